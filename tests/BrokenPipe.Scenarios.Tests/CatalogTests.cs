using System.Text.RegularExpressions;

namespace BrokenPipe.Scenarios.Tests;

public sealed partial class CatalogTests
{
    [Fact]
    public void Catalog_Ids_AreUniqueKebabCase()
    {
        var ids = Catalog.All.Select(s => s.Id).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches(KebabCase(), id));
    }

    [Fact]
    public void QuickCatalogParts_Together_HoldEveryRunOnce()
    {
        var parts = Enumerable.Range(0, ScenarioCases.Parts).Select(p => ScenarioCases.Fast(p).Select(row => $"{row[0]} {row[1]}").ToList()).ToList();
        var all = ScenarioCases.Fast().Select(row => $"{row[0]} {row[1]}").Order(StringComparer.Ordinal);

        Assert.Equal(all, parts.SelectMany(p => p).Order(StringComparer.Ordinal));
        Assert.All(parts, p => Assert.NotEmpty(p));
    }

    [Fact]
    public void Catalog_EveryScenario_TellsItsStoryAndChecksBothVariants()
    {
        Assert.All(Catalog.All, s =>
        {
            Assert.False(string.IsNullOrWhiteSpace(s.Title));
            Assert.False(string.IsNullOrWhiteSpace(s.Seed));
            Assert.All(new[] { s.Story.Wire, s.Story.Why, s.Story.Diagnose, s.Story.Fix }, t => Assert.False(string.IsNullOrWhiteSpace(t)));
            foreach (var v in new[] { Variant.Broken, Variant.Fixed })
            {
                Assert.False(string.IsNullOrWhiteSpace(s[v].Expected));
                Assert.NotEmpty(s[v].Checks);
            }
        });
    }

    [Fact]
    public void Catalog_IdConstants_AreAllInTheCatalog()
    {
        var constants = typeof(ScenarioIds).GetFields().Select(f => (string)f.GetValue(null)!).ToHashSet();
        Assert.Equal(constants, Catalog.All.Select(s => s.Id).ToHashSet());
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();
}
