using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>Every scenario id × variant of the catalog, as xunit theory data.</summary>
public static class ScenarioCases
{
    /// <summary>The quick catalog.</summary>
    public static TheoryData<string, Variant> Fast() => Cases(slow: false);

    /// <summary>The slow scenarios (a real 60 s proxy timeout): a theory of their own, with a "Category=Slow" trait.</summary>
    public static TheoryData<string, Variant> Slow() => Cases(slow: true);

    private static TheoryData<string, Variant> Cases(bool slow)
    {
        var data = new TheoryData<string, Variant>();
        foreach (var s in Catalog.All.Where(s => s.Slow == slow))
        {
            data.Add(s.Id, Variant.Broken);
            data.Add(s.Id, Variant.Fixed);
        }
        return data;
    }
}
