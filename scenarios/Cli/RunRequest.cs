namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// A parsed <c>run</c> command. <paramref name="SkipUnavailable"/>: the whole catalog was asked for, so a scenario this
/// machine cannot run (one that needs root, or an image the Docker engine lacks) is skipped with its reason instead of ending in "error".
/// </summary>
public sealed record RunRequest(IReadOnlyList<Scenario> Scenarios, IReadOnlyList<Variant> Variants, string? JsonPath, bool Narrate, bool SkipUnavailable = false)
{
    /// <summary>What the runs' parts run on (set by run options such as a runtime or library version).</summary>
    public LabSettings Settings { get; init; } = LabSettings.Default;

    /// <summary>Where to write the HTML report (<c>--html FILE</c>), or null.</summary>
    public string? HtmlPath { get; init; }

    /// <summary>Where to keep one packet capture per run (<c>--pcap DIR</c>), or null.</summary>
    public string? PcapDir { get; init; }

    /// <summary>
    /// The upstream behind each scenario's traffic (<c>--upstream</c>): null for each scenario's own; a key for that one;
    /// <c>all</c> for a run per upstream a scenario takes, side by side.
    /// </summary>
    public string? Upstream { get; init; }

    /// <summary>How many runs side by side (<c>--parallel N</c>); null: <see cref="ScenarioBatch.DefaultParallelism"/>.</summary>
    public int? Parallel { get; init; }

    /// <summary>Only this shard of the runs (<c>--shard K/N</c>), or null for all of them.</summary>
    public RunShard? Shard { get; init; }

    /// <summary><c>--proxy all</c>: a proxy scenario runs once on each proxy it runs on; otherwise on <see cref="LabSettings.Proxy"/> only.</summary>
    public bool EveryProxy { get; init; }

    /// <summary>
    /// The runs: each scenario and variant, a proxy scenario once per proxy (<see cref="EveryProxy"/>) or on the one
    /// asked for. A scenario named by its id that does not run on the proxy asked for is a <see cref="CliException"/>;
    /// from the whole catalog it is skipped, and <paramref name="skipped"/> says so (never silently).
    /// </summary>
    public IReadOnlyList<(Scenario Scenario, Variant Variant, LabSettings Settings)> Runs(Action<string> skipped)
    {
        var runs = new List<(Scenario, Variant, LabSettings)>();
        foreach (var s in Scenarios)
        {
            IReadOnlyList<string> proxies = s.Proxy is null ? [Settings.Proxy] : EveryProxy ? [.. s.Proxies.Where(LabSettings.KnownProxies.Contains)] : [Settings.Proxy];
            foreach (var proxy in proxies)
            {
                if (s.Proxy is not null && s.On(proxy, Variant.Broken) is null)
                {
                    var why = $"{s.Id} does not run on {proxy} (it runs on {string.Join(", ", s.Proxies)})";
                    if (!SkipUnavailable) throw new CliException($"{why}: leave out --proxy {proxy}, or use --proxy all");
                    skipped($"skipped {s.Id} on {proxy}: it runs on {string.Join(", ", s.Proxies)}");
                    continue;
                }
                runs.AddRange(Variants.Select(v => (s, v, Settings with { Proxy = proxy })));
            }
        }
        return runs;
    }
}
