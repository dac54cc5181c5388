namespace BrokenPipe.Scenarios.Tests;

/// <summary>The fixed variants of the slow scenarios, in a class of their own so that they run beside the broken ones.</summary>
[Trait("Category", "Slow")]
public sealed class SlowScenarioFixedTests
{
    [Theory]
    [MemberData(nameof(ScenarioCases.SlowFixed), MemberType = typeof(ScenarioCases))]
    public Task SlowScenario_Fixed_StaysFixed(string id, Variant variant) => ScenarioTests.AssertMetAsync(id, variant);
}
