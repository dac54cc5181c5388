using BrokenPipe.Lab.Reports;
using BrokenPipe.Lab.Runtimes;
using BrokenPipe.Lab.Tests.Runtimes;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// The nginx and Redis scenarios on the docker runtime (the local runtime's runs are <see cref="ScenarioTests"/>), dealt
/// into <see cref="ScenarioCases.ContainerParts"/> classes that run side by side, and the scenarios about containers
/// themselves. Skipped, with the reason, where no Docker engine answers.
/// </summary>
public static class DockerScenarioTests
{
    internal static async Task AssertMetOnDockerAsync(string id, Variant variant)
    {
        var scenario = Catalog.Find(id)!;
        var settings = await DockerSettings.HostNetworkAsync();

        var result = await ScenarioRunner.RunAsync(scenario, variant, settings: settings);

        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
    }

    /// <summary>The first share of the docker runtime's runs.</summary>
    public sealed class Part1
    {
        [DockerTheory]
        [MemberData(nameof(ScenarioCases.OnContainers), 0, MemberType = typeof(ScenarioCases))]
        public Task Scenario_OnDockerRuntime_MeetsItsExpectation(string id, Variant variant) => AssertMetOnDockerAsync(id, variant);
    }

    /// <summary>The second share of the docker runtime's runs.</summary>
    public sealed class Part2
    {
        [DockerTheory]
        [MemberData(nameof(ScenarioCases.OnContainers), 1, MemberType = typeof(ScenarioCases))]
        public Task Scenario_OnDockerRuntime_MeetsItsExpectation(string id, Variant variant) => AssertMetOnDockerAsync(id, variant);
    }

    /// <summary>The third share of the docker runtime's runs.</summary>
    public sealed class Part3
    {
        [DockerTheory]
        [MemberData(nameof(ScenarioCases.OnContainers), 2, MemberType = typeof(ScenarioCases))]
        public Task Scenario_OnDockerRuntime_MeetsItsExpectation(string id, Variant variant) => AssertMetOnDockerAsync(id, variant);
    }

    /// <summary>The fourth share of the docker runtime's runs.</summary>
    public sealed class Part4
    {
        [DockerTheory]
        [MemberData(nameof(ScenarioCases.OnContainers), 3, MemberType = typeof(ScenarioCases))]
        public Task Scenario_OnDockerRuntime_MeetsItsExpectation(string id, Variant variant) => AssertMetOnDockerAsync(id, variant);
    }
}

/// <summary>The scenarios about containers themselves, and what the docker runtime's runs cover.</summary>
public sealed class DockerOnlyScenarioTests
{
    [DockerTheory(NeedsBridge = true)]
    [MemberData(nameof(ScenarioCases.NeedingDocker), MemberType = typeof(ScenarioCases))]
    public async Task DockerScenario_Variant_MeetsItsExpectation(string id, Variant variant)
    {
        var scenario = Catalog.Find(id)!;
        // The run's settings say local: the scenario runs on containers all the same; only the images come from here.
        var settings = (await DockerSettings.HostNetworkAsync()) with { Runtime = LocalRuntime.Instance };

        var result = await ScenarioRunner.RunAsync(scenario, variant, settings: settings);

        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
    }

    [Fact]
    public void OnContainers_CoverTheProxyAndRedisScenarios_AndNeedingDockerHasTheProxyScenario()
    {
        var onContainers = ScenarioCases.OnContainers().Select(row => (string)row[0]).ToHashSet();

        Assert.Contains(ScenarioIds.IngressTimeout, onContainers);
        Assert.Contains(ScenarioIds.RedisCrashRestart, onContainers);
        Assert.Contains(ScenarioIds.RedisIdleReset, onContainers);
        Assert.DoesNotContain(ScenarioIds.FinVsRst, onContainers);
        Assert.Contains(ScenarioIds.DockerProxyHidesReset, ScenarioCases.NeedingDocker().Select(row => (string)row[0]));
        Assert.DoesNotContain(ScenarioIds.DockerProxyHidesReset, ScenarioCases.Fast().Select(row => (string)row[0]));
    }
}
