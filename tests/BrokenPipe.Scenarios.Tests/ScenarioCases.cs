namespace BrokenPipe.Scenarios.Tests;

/// <summary>Every scenario id × variant of the catalog, as xunit theory data.</summary>
public static class ScenarioCases
{
    /// <summary>How many shares <see cref="Fast(int)"/> deals the quick catalog into (one test class each, run side by side).</summary>
    public const int Parts = 6;

    /// <summary>The quick catalog, without the scenarios that need root.</summary>
    public static TheoryData<string, Variant> Fast() => Cases(s => !s.Slow && !s.NeedsRoot);

    /// <summary>
    /// Share <paramref name="part"/> (0 to <see cref="Parts"/> − 1) of <see cref="Fast()"/>: the runs are dealt longest
    /// declared wait first, each to the share with the least wait so far, so the shares take about equally long.
    /// </summary>
    public static TheoryData<string, Variant> Fast(int part)
    {
        var load = new TimeSpan[Parts];
        var data = new TheoryData<string, Variant>();
        var runs = Catalog.All.Where(s => !s.Slow && !s.NeedsRoot)
            .SelectMany(s => new[] { Variant.Broken, Variant.Fixed }.Select(v => (s, v)))
            .OrderByDescending(r => r.s[r.v].InherentWait)
            .ThenBy(r => r.s.Id, StringComparer.Ordinal);
        foreach (var (s, v) in runs)
        {
            var share = Array.IndexOf(load, load.Min());
            load[share] += s[v].InherentWait;
            if (share == part) data.Add(s.Id, v);
        }
        return data;
    }

    /// <summary>The quick scenarios that need root (a network namespace and firewall rules).</summary>
    public static TheoryData<string, Variant> NeedingRoot() => Cases(s => !s.Slow && s.NeedsRoot);

    /// <summary>The slow scenarios (a real 60 s proxy timeout), one variant at a time, for theories with a "Category=Slow" trait.</summary>
    public static TheoryData<string, Variant> SlowBroken() => Cases(s => s.Slow, Variant.Broken);

    public static TheoryData<string, Variant> SlowFixed() => Cases(s => s.Slow, Variant.Fixed);

    private static TheoryData<string, Variant> Cases(Func<Scenario, bool> which, params Variant[] variants)
    {
        var data = new TheoryData<string, Variant>();
        foreach (var s in Catalog.All.Where(which))
        {
            foreach (var v in variants.Length > 0 ? variants : [Variant.Broken, Variant.Fixed]) data.Add(s.Id, v);
        }
        return data;
    }
}
