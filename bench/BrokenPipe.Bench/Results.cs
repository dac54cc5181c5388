using BrokenPipe.Lab.Scenarios;

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

/// <summary>Kestrel start-to-ready over <see cref="Targets.KestrelStarts"/> starts. Times in milliseconds.</summary>
public sealed record KestrelStarts(IReadOnlyList<double> StartsMs, string? FirstError)
{
    /// <summary>The first start in this process: JIT, assembly loading and the host's first build included.</summary>
    public double? ColdMs => StartsMs.Count > 0 ? StartsMs[0] : null;

    /// <summary>The median of every start but the first.</summary>
    public double? WarmMedianMs => StartsMs.Count > 1 ? Stats.Median(StartsMs.Skip(1).ToList()) : null;

    public IReadOnlyList<string> Misses
    {
        get
        {
            var misses = new List<string>();
            if (FirstError is not null) misses.Add($"a start failed: {FirstError}");
            if (WarmMedianMs is not { } warm) misses.Add("no warm start measured");
            else if (warm > Targets.MaxKestrelWarmMedianMs) misses.Add($"warm start {Format.Ms(warm)} > {Format.Ms(Targets.MaxKestrelWarmMedianMs)} ms");
            return misses;
        }
    }
}

public static class Format
{
    public static string Ms(double ms) => ms.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    public static string Ms(double? ms) => ms is { } v ? Ms(v) : "-";
}
