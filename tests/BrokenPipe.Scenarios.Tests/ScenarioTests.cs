using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// Every scenario reproduces (broken) and stays fixed (fixed): each variant meets its expectation on real sockets.
/// xunit 2 runs the rows of one theory one after the other, but test classes side by side: so the quick catalog is
/// dealt into <see cref="ScenarioCases.Parts"/> nested classes of about equal waits, each in its own lab per run.
/// </summary>
public static class ScenarioTests
{
    internal static async Task AssertMetAsync(string id, Variant variant)
    {
        var scenario = Catalog.Find(id)!;
        var result = await ScenarioRunner.RunAsync(scenario, variant);
        // On failure the message is the whole narration: timeline, first disconnect, each check.
        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
        // Its diagram is well-formed SVG with a lane for every actor (the browser tests look at the seeds' in Chromium).
        var svg = System.Xml.Linq.XDocument.Parse(SequenceDiagram.Render(result.Events, result.FirstDisconnect));
        Assert.Equal(SequenceDiagram.Lanes(result.Events).Count, svg.Descendants().Count(e => (string?)e.Attribute("class") == "lane"));
        // What the scenario declares it produces (explain's signatures) is what its broken run really produced.
        if (variant == Variant.Broken)
        {
            foreach (var signature in scenario.Produces.Where(p => p.AppliesTo(result.Upstream))) Assert.True(signature.FoundIn(result.Events), $"{id} declares it {signature}, but its run did not:\n{TextReport.Narrate(scenario, result)}");
            // And explain, given one of those real log lines, names this scenario first (or ties it with the first).
            foreach (var line in result.Events.Select(e => e.Verbatim).OfType<string>().Where(v => scenario.Produces.Any(p => p.AppliesTo(result.Upstream) && p.Text is { } t && v.Contains(t, StringComparison.OrdinalIgnoreCase))).Distinct())
            {
                var ranked = Lab.Explain.Explainer.Explain(line, Catalog.All);
                Assert.Contains(id, ranked.TakeWhile(x => x.Score == ranked[0].Score).Select(x => x.Scenario.Id));
            }
        }
    }

    /// <summary>The first share of the quick catalog.</summary>
    public sealed class Part1
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.Fast), 0, MemberType = typeof(ScenarioCases))]
        public Task Scenario_Variant_MeetsItsExpectation(string id, Variant variant) => AssertMetAsync(id, variant);
    }

    /// <summary>The second share of the quick catalog.</summary>
    public sealed class Part2
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.Fast), 1, MemberType = typeof(ScenarioCases))]
        public Task Scenario_Variant_MeetsItsExpectation(string id, Variant variant) => AssertMetAsync(id, variant);
    }

    /// <summary>The third share of the quick catalog.</summary>
    public sealed class Part3
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.Fast), 2, MemberType = typeof(ScenarioCases))]
        public Task Scenario_Variant_MeetsItsExpectation(string id, Variant variant) => AssertMetAsync(id, variant);
    }

    /// <summary>The fourth share of the quick catalog.</summary>
    public sealed class Part4
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.Fast), 3, MemberType = typeof(ScenarioCases))]
        public Task Scenario_Variant_MeetsItsExpectation(string id, Variant variant) => AssertMetAsync(id, variant);
    }

    /// <summary>The fifth share of the quick catalog.</summary>
    public sealed class Part5
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.Fast), 4, MemberType = typeof(ScenarioCases))]
        public Task Scenario_Variant_MeetsItsExpectation(string id, Variant variant) => AssertMetAsync(id, variant);
    }

    /// <summary>The sixth share of the quick catalog.</summary>
    public sealed class Part6
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.Fast), 5, MemberType = typeof(ScenarioCases))]
        public Task Scenario_Variant_MeetsItsExpectation(string id, Variant variant) => AssertMetAsync(id, variant);
    }
}
