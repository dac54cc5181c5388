using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>Every scenario id × variant of the catalog, as xunit theory data.</summary>
public static class ScenarioCases
{
    /// <summary>The quick catalog.</summary>
    public static TheoryData<string, Variant> Fast() => Cases(slow: false);

    /// <summary>The slow scenarios (a real 60 s proxy timeout), one variant at a time, for theories with a "Category=Slow" trait.</summary>
    public static TheoryData<string, Variant> SlowBroken() => Cases(slow: true, Variant.Broken);

    public static TheoryData<string, Variant> SlowFixed() => Cases(slow: true, Variant.Fixed);

    private static TheoryData<string, Variant> Cases(bool slow, params Variant[] variants)
    {
        var data = new TheoryData<string, Variant>();
        foreach (var s in Catalog.All.Where(s => s.Slow == slow))
        {
            foreach (var v in variants.Length > 0 ? variants : [Variant.Broken, Variant.Fixed]) data.Add(s.Id, v);
        }
        return data;
    }
}
