namespace BrokenPipe.Lab.Checks;

/// <summary>One proxy check's verdict: its name, what was observed (or why it was not exercised), and the run's timeline.</summary>
public sealed record ProxyCheckResult(string Name, string Description, ProxyCheckVerdict Verdict, string Observed, TimeSpan Duration, IReadOnlyList<LabEvent> Events)
{
    /// <summary>The check passed (the upstream saw its request, and the behaviour was right).</summary>
    public bool Passed => Verdict == ProxyCheckVerdict.Pass;

    /// <summary>The run's error when the check could not run at all (e.g. the upstream would not start).</summary>
    public string? Error { get; init; }

    /// <summary>
    /// What passed here but a strict peer rejects (an Upgrade forwarded to the upstream as HTTP/1.0), and notes on a
    /// verdict (a cached route's client abort): never a failure by themselves.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// How the client saw the response body delimited: "content-length", "chunked", "close-delimited" (the connection's
    /// close ends it, RFC 9112 §6.3), "http2" (DATA frames), or null when there was no response body to frame.
    /// </summary>
    public string? Framing { get; init; }

    /// <summary>"pass", "fail" or "not-exercised", as the table and the JSON write it.</summary>
    public string VerdictName => Verdict switch
    {
        ProxyCheckVerdict.Pass => "pass",
        ProxyCheckVerdict.Fail => "fail",
        _ => "not-exercised",
    };
}
