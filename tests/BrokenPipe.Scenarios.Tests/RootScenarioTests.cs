using BrokenPipe.Lab.Parts.Middlebox;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>The scenarios that build a network namespace and firewall rules: run as root, skipped with the reason elsewhere.</summary>
public sealed class RootScenarioTests
{
    [NeedsRootTheory]
    [MemberData(nameof(ScenarioCases.NeedingRoot), MemberType = typeof(ScenarioCases))]
    public Task RootScenario_Variant_MeetsItsExpectation(string id, Variant variant) => ScenarioTests.AssertMetAsync(id, variant);

    [Fact]
    public void NeedingRoot_IsNotEmpty_AndNotInTheQuickTheory()
    {
        var quick = ScenarioCases.Fast().Select(row => (string)row[0]).ToHashSet();

        Assert.Contains(ScenarioIds.NatIdleDrop, ScenarioCases.NeedingRoot().Select(row => (string)row[0]));
        Assert.DoesNotContain(ScenarioIds.NatIdleDrop, quick);
    }

    /// <summary>Skipped, with the reason, where the process cannot build the packet-drop path.</summary>
    private sealed class NeedsRootTheoryAttribute : TheoryAttribute
    {
        public NeedsRootTheoryAttribute()
        {
            if (PacketDropMiddlebox.Unavailable is { } reason) Skip = reason;
        }
    }
}
