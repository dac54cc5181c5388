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
    /// The scenario needs root (a network namespace and firewall rules, for instance): the CLI marks it so. Why this
    /// machine cannot run it is the scenario's own word: <see cref="Unavailable"/>.
    /// </summary>
    public bool NeedsRoot { get; init; }

    /// <summary>
    /// Asked before a run, with the run's settings: why this machine cannot run the scenario, or null when it can. A
    /// scenario whose parts need something (root, a kernel feature, an image on the Docker engine) sets it from those
    /// parts; then its run ends with outcome "error" and the reason, the catalog skips it with the reason, and its tests
    /// are skipped with it. It must answer within a few seconds. The default value is null (it can always run).
    /// </summary>
    public Func<LabSettings, string?>? Unavailable { get; init; }

    /// <summary>Why this machine cannot run the scenario under <see cref="LabSettings.Default"/>, or null.</summary>
    public string? UnavailableHere => UnavailableWith(LabSettings.Default);

    /// <summary>Why this machine cannot run the scenario under <paramref name="settings"/> (its images, say), or null.</summary>
    public string? UnavailableWith(LabSettings settings) => Unavailable?.Invoke(settings);

    /// <summary>
    /// The scenario is about containers themselves (a port published through the engine's proxy): its parts run on the
    /// docker runtime whatever the run's settings. Where no engine answers, or its bridge is in a private range, it says
    /// so through <see cref="Unavailable"/>; the CLI marks it "(needs docker)".
    /// </summary>
    public bool NeedsDocker { get; init; }

    /// <summary>
    /// Why this scenario cannot share the machine with other runs (it measures the machine's own timing, say), or null:
    /// <see cref="ScenarioBatch"/> then runs it by itself, after the others.
    /// </summary>
    public string? RunsAlone { get; init; }

    /// <summary>The bound on one run; past it the run ends with outcome "error". The default value is 2 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>What the broken variant's runs produce (verbatim log fragments, failures with errno): <c>explain</c> matches error messages against these, and the scenario's own test checks each one appears.</summary>
    public IReadOnlyList<Signature> Produces { get; init; } = [];

    /// <summary>
    /// The upstreams <c>--upstream</c> may put behind this scenario's traffic, by key (<c>kestrel</c>, <c>raw</c>,
    /// <c>go</c>, <c>node</c>, <c>python</c>, <c>java</c>), each a run of its own built by <see cref="ForUpstream"/>.
    /// The default value is none: the scenario has no upstream to choose.
    /// </summary>
    public IReadOnlyList<string> Upstreams { get; init; } = [];

    /// <summary>The scenario for one of <see cref="Upstreams"/>: the same story, that upstream's body and checks. The default value is null.</summary>
    public Func<string, Scenario>? ForUpstream { get; init; }

    /// <summary>What the scenario's own run puts behind its traffic, side by side ("raw+kestrel+go"), or null when it has no HTTP upstream. The default value is null.</summary>
    public string? OwnUpstream { get; init; }

    /// <summary>The upstream chosen for this run (<see cref="WithUpstream"/>), or null for the scenario's own.</summary>
    public string? Upstream { get; init; }

    /// <summary>
    /// This scenario with <paramref name="upstream"/> (one of <see cref="Upstreams"/>) behind its traffic; any other
    /// throws <see cref="ArgumentException"/> naming the ones it takes.
    /// </summary>
    public Scenario WithUpstream(string upstream) =>
        Upstreams.Contains(upstream) && ForUpstream is { } build
            ? build(upstream) with { Upstream = upstream }
            : throw new ArgumentException(Upstreams.Count == 0
                ? $"{Id} has no upstream to choose (it runs its own{(OwnUpstream is null ? "" : $": {OwnUpstream}")})"
                : $"{Id} cannot run with upstream '{upstream}' (it takes {string.Join(", ", Upstreams)})");

    public ScenarioVariant this[Variant variant] => variant == Variant.Broken ? Broken : Fixed;

    /// <summary>
    /// The reverse proxy the scenario's own variants run (<c>nginx</c>), or null for a scenario without one. A run takes
    /// its proxy from <see cref="LabSettings.Proxy"/>; see <see cref="OnProxy"/>. The default value is null.
    /// </summary>
    public string? Proxy { get; init; }

    /// <summary>The variants on each other proxy the scenario runs on, by the proxy's name (<c>haproxy</c>). The default value is none.</summary>
    public IReadOnlyDictionary<string, ProxyVariants> OnProxy { get; init; } = new Dictionary<string, ProxyVariants>();

    /// <summary>The proxies the scenario runs on: its own first, then <see cref="OnProxy"/>'s; none for a scenario without a proxy.</summary>
    public IReadOnlyList<string> Proxies => Proxy is null ? [] : [Proxy, .. OnProxy.Keys];

    /// <summary>
    /// The variant to run on <paramref name="proxy"/>: its own for its own proxy (and for any proxy when the scenario has
    /// none), the one of <see cref="OnProxy"/> for another, or null when it does not run on that proxy.
    /// </summary>
    public ScenarioVariant? On(string proxy, Variant variant) =>
        Proxy is null || proxy == Proxy ? this[variant] : OnProxy.TryGetValue(proxy, out var other) ? other[variant] : null;
}
