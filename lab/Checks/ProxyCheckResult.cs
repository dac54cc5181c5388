namespace BrokenPipe.Lab.Checks;

/// <summary>One proxy check's verdict: its name, whether it passed, what was observed, and the run's timeline.</summary>
public sealed record ProxyCheckResult(string Name, string Description, bool Passed, string Observed, TimeSpan Duration, IReadOnlyList<LabEvent> Events)
{
    /// <summary>The run's error when the check could not run at all (e.g. the upstream would not start).</summary>
    public string? Error { get; init; }
}
