namespace BrokenPipe.Lab.Scenarios;

/// <summary>
/// An event of <see cref="Kind"/> on <see cref="Side"/>, optionally with a failure, an errno, an actor and an index
/// (each left null matches anything): <c>Expect.Event("…", new EventPattern(Side.Server, EventKind.SendFailed) { Errno = 32 })</c>.
/// </summary>
public sealed record EventPattern(Side Side, EventKind Kind)
{
    public SocketFailure? Failure { get; init; }

    public int? Errno { get; init; }

    public string? Actor { get; init; }

    public int? Index { get; init; }

    public bool Matches(LabEvent e) =>
        e.Side == Side && e.Kind == Kind &&
        (Failure is null || e.Failure == Failure) &&
        (Errno is null || e.Errno == Errno) &&
        (Actor is null || e.Actor == Actor) &&
        (Index is null || e.Index == Index);
}
