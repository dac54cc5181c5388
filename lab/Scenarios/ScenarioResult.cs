namespace BrokenPipe.Lab.Scenarios;

/// <summary>What one run of one variant gave: the data the CLI narrates, the JSON carries and the tests assert.</summary>
public sealed record ScenarioResult(
    string Id,
    Variant Variant,
    string Expected,
    Outcome Outcome,
    TimeSpan Duration,
    TimeSpan InherentWait,
    FirstDisconnect? FirstDisconnect,
    IReadOnlyList<LabEvent> Events,
    IReadOnlyList<CheckResult> Checks,
    string? Error)
{
    /// <summary>The reverse proxy the run put in front of its upstreams (<see cref="Scenario.Proxy"/>, <see cref="LabSettings.Proxy"/>), or null for a scenario without one.</summary>
    public string? Proxy { get; init; }

    /// <summary>What the run's packet capture showed (<see cref="LabSettings.CaptureDirectory"/>), or null.</summary>
    public Capture.CaptureSummary? Capture { get; init; }

    /// <summary>The upstream the run put behind its traffic ("go"; the scenario's own, "raw+kestrel+go"), or null when it has none.</summary>
    public string? Upstream { get; init; }

    /// <summary>The upstream was chosen for this run (<c>--upstream</c>), so it names the run beside its id.</summary>
    public bool UpstreamChosen { get; init; }

    /// <summary>How tables name the run: its id, and the upstream chosen for it (<c>over-8kb-write@go</c>).</summary>
    public string Name => UpstreamChosen ? $"{Id}@{Upstream}" : Id;

    /// <summary>When the run's parts began to stop, on the lab's clock: closes after it are the lab's tear-down, not the story.</summary>
    internal TimeSpan? StoppedAt { get; init; }
}
