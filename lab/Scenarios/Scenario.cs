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
    /// Asked before a run: why this machine cannot run the scenario, or null when it can. A scenario whose parts need
    /// something (root, a kernel feature) sets it from those parts; then its run ends with outcome "error" and the
    /// reason, and its tests are skipped with it. The default value is null (it can always run).
    /// </summary>
    public Func<string?>? Unavailable { get; init; }

    /// <summary>Why this machine cannot run the scenario, or null.</summary>
    public string? UnavailableHere => Unavailable?.Invoke();

    /// <summary>The bound on one run; past it the run ends with outcome "error". The default value is 2 minutes.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(2);

    public ScenarioVariant this[Variant variant] => variant == Variant.Broken ? Broken : Fixed;
}
