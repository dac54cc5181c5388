using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>Every scenario reproduces (broken) and stays fixed (fixed): each variant meets its expectation on real sockets.</summary>
public sealed class ScenarioTests
{
    [Theory]
    [MemberData(nameof(ScenarioCases.Fast), MemberType = typeof(ScenarioCases))]
    public Task Scenario_Variant_MeetsItsExpectation(string id, Variant variant) => AssertMetAsync(id, variant);

    internal static async Task AssertMetAsync(string id, Variant variant)
    {
        var scenario = Catalog.Find(id)!;
        var result = await ScenarioRunner.RunAsync(scenario, variant);
        // On failure the message is the whole narration: timeline, first disconnect, each check.
        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
    }
}
