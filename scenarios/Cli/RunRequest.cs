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
}
