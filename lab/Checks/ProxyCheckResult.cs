namespace BrokenPipe.Lab.Checks;

/// <summary>One proxy check's verdict: its name, what was observed (or why it was not exercised), and the run's timeline.</summary>
public sealed record ProxyCheckResult(string Name, string Description, ProxyCheckVerdict Verdict, string Observed, TimeSpan Duration, IReadOnlyList<LabEvent> Events)
{
    /// <summary>The check passed (the upstream saw its request, and the behaviour was right).</summary>
    public bool Passed => Verdict == ProxyCheckVerdict.Pass;

    /// <summary>The run's error when the check could not run at all (e.g. the upstream would not start).</summary>
    public string? Error { get; init; }

    /// <summary>"pass", "fail" or "not-exercised", as the table and the JSON write it.</summary>
    public string VerdictName => Verdict switch
    {
        ProxyCheckVerdict.Pass => "pass",
        ProxyCheckVerdict.Fail => "fail",
        _ => "not-exercised",
    };
}
