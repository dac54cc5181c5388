namespace BrokenPipe.Bench;

/// <summary>The targets a run of the benchmark is held to.</summary>
public static class Targets
{
    /// <summary>Median of (wall time − inherent wait) per scenario variant.</summary>
    public const double MaxMedianOverheadMs = 150;

    /// <summary>Median start-to-ready of a warm Kestrel (every start but the first).</summary>
    public const double MaxKestrelWarmMedianMs = 150;

    /// <summary>How many trivial Kestrel servers are started, each in a fresh lab.</summary>
    public const int KestrelStarts = 20;

    /// <summary>Median start-to-ready of nginx (every start, the first included).</summary>
    public const double MaxNginxMedianMs = 50;

    /// <summary>How many nginx proxies (in front of a trivial raw server) are started, each in a fresh lab.</summary>
    public const int NginxStarts = 20;

    /// <summary>The Kestrel start-to-ready target: the median of the warm starts.</summary>
    public static StartTarget Kestrel { get; } = new("Kestrel", KestrelStarts, MaxKestrelWarmMedianMs, ColdExcluded: true);

    /// <summary>The nginx start-to-ready target: the median of every start.</summary>
    public static StartTarget Nginx { get; } = new("nginx", NginxStarts, MaxNginxMedianMs, ColdExcluded: false);
}

/// <summary>
/// What a part's start-to-ready is held to: <paramref name="Starts"/> starts, each in a fresh lab, and a median of at
/// most <paramref name="MaxMedianMs"/> — over the warm starts (every one but the first) when
/// <paramref name="ColdExcluded"/>, else over all of them.
/// </summary>
public sealed record StartTarget(string Part, int Starts, double MaxMedianMs, bool ColdExcluded)
{
    /// <summary>"warm median" or "median": how the report names the figure that has the target.</summary>
    public string MedianName => ColdExcluded ? "warm median" : "median";
}

/// <summary>One scenario × variant, over all its runs. Times in milliseconds.</summary>
public sealed record ScenarioRow(
    string Id,
    Variant Variant,
    int Runs,
    int Met,
    double MedianMs,
    double P90Ms,
    double InherentMs,
    double MedianOverheadMs,
    string? FirstError)
{
    public string Name => $"{Id}/{Variant.ToString().ToLowerInvariant()}";

    /// <summary>Why this row misses its targets; empty when it meets them.</summary>
    public IReadOnlyList<string> Misses
    {
        get
        {
            var misses = new List<string>();
            if (Met < Runs) misses.Add($"{Met}/{Runs} met");
            if (MedianOverheadMs > Targets.MaxMedianOverheadMs) misses.Add($"overhead {Format.Ms(MedianOverheadMs)} > {Format.Ms(Targets.MaxMedianOverheadMs)} ms");
            return misses;
        }
    }

    public static ScenarioRow From(Scenario scenario, Variant variant, IReadOnlyList<ScenarioResult> results)
    {
        var wall = results.Select(r => r.Duration.TotalMilliseconds).ToList();
        var overhead = results.Select(r => (r.Duration - r.InherentWait).TotalMilliseconds).ToList();
        string? firstError = null;
        for (var i = 0; i < results.Count && firstError is null; i++)
        {
            var r = results[i];
            firstError = r.Outcome switch
            {
                Outcome.Met => null,
                Outcome.Error => $"run {i + 1}: {r.Error ?? "error"}",
                _ => $"run {i + 1}: not met: {string.Join("; ", r.Checks.Where(c => !c.Met).Select(c => c.Description).DefaultIfEmpty("a check did not hold"))}",
            };
        }
        return new ScenarioRow(
            scenario.Id,
            variant,
            results.Count,
            results.Count(r => r.Outcome == Outcome.Met),
            Stats.Median(wall),
            Stats.Percentile(wall, 90),
            scenario[variant].InherentWait.TotalMilliseconds,
            Stats.Median(overhead),
            firstError);
    }
}

/// <summary>One part's start-to-ready over <see cref="StartTarget.Starts"/> starts (Kestrel, nginx). Times in milliseconds.</summary>
public sealed record PartStarts(StartTarget Target, IReadOnlyList<double> StartsMs, string? FirstError)
{
    /// <summary>The first start in this process (for Kestrel: JIT, assembly loading and the host's first build included).</summary>
    public double? ColdMs => StartsMs.Count > 0 ? StartsMs[0] : null;

    /// <summary>The figure with the target: the median of every start but the first, or of every start (see <see cref="StartTarget.ColdExcluded"/>).</summary>
    public double? MedianMs
    {
        get
        {
            var counted = Target.ColdExcluded ? StartsMs.Skip(1).ToList() : StartsMs.ToList();
            return counted.Count > 0 ? Stats.Median(counted) : null;
        }
    }

    public IReadOnlyList<string> Misses
    {
        get
        {
            var misses = new List<string>();
            if (FirstError is not null) misses.Add($"a start failed: {FirstError}");
            var name = Target.ColdExcluded ? "warm start" : "start";
            if (MedianMs is not { } median) misses.Add($"no {name} measured");
            else if (median > Target.MaxMedianMs) misses.Add($"{name} {Format.Ms(median)} > {Format.Ms(Target.MaxMedianMs)} ms");
            return misses;
        }
    }
}

public static class Format
{
    public static string Ms(double ms) => ms.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    public static string Ms(double? ms) => ms is { } v ? Ms(v) : "-";
}
