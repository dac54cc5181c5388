namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// A log a server program writes into its part's dir (<paramref name="RelativePath"/>, e.g. <c>logs/error.log</c>), and how
/// one of its lines reads as an event (null: a line the lab does not record). The part's life cycle tails it and stamps
/// each event with the part's actor name.
/// </summary>
internal sealed record ServerLog(string RelativePath, Func<string, LabEvent?> Read);
