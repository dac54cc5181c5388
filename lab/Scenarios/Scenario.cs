namespace BrokenPipe.Lab.Scenarios;

/// <summary>A reproduction: a stable kebab-case id, its story, and a broken and a fixed variant. A value, run by <see cref="ScenarioRunner"/>.</summary>
public sealed record Scenario(
    string Id,
    string Area,
    string Title,
    string Seed,
    Story Story,
    ScenarioVariant Broken,
    ScenarioVariant Fixed)
{
    /// <summary>Slow scenarios stay out of the quick catalog (<c>run --all</c> takes them only with <c>--include-slow</c>).</summary>
    public bool Slow { get; init; }

    /// <summary>
    /// The scenario builds a network namespace and firewall rules (the packet-drop middlebox): only root can run it;
    /// elsewhere its run ends with outcome "error" and the reason, and its tests are skipped with that reason.
    /// </summary>
    public bool NeedsRoot { get; init; }

    /// <summary>
    /// The scenario is about containers themselves (a port published through the engine's proxy): its parts run on the
    /// docker runtime whatever the run's settings; where no engine answers, or its bridge is in a private range, its run
    /// ends with outcome "error" and the reason, and its tests are skipped with that reason.
    /// </summary>
    public bool NeedsDocker { get; init; }

    /// <summary>Why this machine cannot run the scenario (not root, for <see cref="NeedsRoot"/>; no engine, for <see cref="NeedsDocker"/>), or null.</summary>
    public string? UnavailableHere =>
        NeedsRoot ? Parts.Middlebox.PacketDropMiddlebox.Unavailable
        : NeedsDocker ? Runtimes.DockerEngine.BridgeUnavailable
        : null;

    /// <summary>The bound on one run; past it the run ends with outcome "error". The default value is 2 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    public ScenarioVariant this[Variant variant] => variant == Variant.Broken ? Broken : Fixed;
}
