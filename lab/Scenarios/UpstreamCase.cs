namespace BrokenPipe.Lab.Scenarios;

/// <summary>
/// One upstream's share of a scenario's variant: what it expects, the body that starts it and drives its clients, and
/// its checks. A scenario that runs on several upstreams (<see cref="Scenario.Upstreams"/>) builds a variant from the
/// cases of the upstreams a run puts side by side (<see cref="Variant"/>).
/// </summary>
/// <param name="Expected">The upstream's expectation, one clause.</param>
/// <param name="RunAsync">Starts the upstream and drives its clients; bounded waits only.</param>
/// <param name="Checks">The conditions the finished timeline must meet for this upstream.</param>
public sealed record UpstreamCase(string Expected, Func<LabSandbox, CancellationToken, Task> RunAsync, IReadOnlyList<Check> Checks)
{
    /// <summary>A variant that runs <paramref name="cases"/> side by side in one lab, with their checks and <paramref name="common"/> ones.</summary>
    public static ScenarioVariant Variant(IReadOnlyList<UpstreamCase> cases, TimeSpan inherentWait, params Check[] common) => new(
        string.Join("; ", cases.Select(c => c.Expected)),
        inherentWait,
        (lab, ct) => Task.WhenAll(cases.Select(c => c.RunAsync(lab, ct))),
        [.. cases.SelectMany(c => c.Checks), .. common]);
}
