using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>Every scenario id × variant of the catalog, as xunit theory data.</summary>
public static class ScenarioCases
{
    /// <summary>
    /// The quick catalog. Slow scenarios get a theory of their own, with a "Category=Slow" trait, when the first one lands
    /// (xunit 2 fails a theory without data).
    /// </summary>
    public static TheoryData<string, Variant> Fast()
    {
        var data = new TheoryData<string, Variant>();
        foreach (var s in Catalog.All.Where(s => !s.Slow))
        {
            data.Add(s.Id, Variant.Broken);
            data.Add(s.Id, Variant.Fixed);
        }
        return data;
    }
}
