namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// Slow scenarios (a real 60 s proxy timeout): out of the quick catalog, but CI runs them. A class of their own, so that
/// xunit runs them beside the quick ones; skip them locally with --filter "Category!=Slow".
/// </summary>
[Trait("Category", "Slow")]
public sealed class SlowScenarioBrokenTests
{
    [Theory]
    [MemberData(nameof(ScenarioCases.SlowBroken), MemberType = typeof(ScenarioCases))]
    public Task SlowScenario_Broken_Reproduces(string id, Variant variant) => ScenarioTests.AssertMetAsync(id, variant);
}
