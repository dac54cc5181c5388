using BrokenPipe.Lab.Reports;
using BrokenPipe.Lab.Runtimes;
using BrokenPipe.Lab.Tests.Runtimes;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// The nginx and Redis scenarios on the docker runtime (the local runtime's runs are <see cref="ScenarioTests"/>), and the
/// scenarios about containers themselves. Skipped, with the reason, where no Docker engine answers.
/// </summary>
public sealed class DockerScenarioTests
{
    [DockerTheory]
    [MemberData(nameof(ScenarioCases.OnContainers), MemberType = typeof(ScenarioCases))]
    public async Task Scenario_OnDockerRuntime_MeetsItsExpectation(string id, Variant variant)
    {
        var scenario = Catalog.Find(id)!;
        var settings = await DockerSettings.HostNetworkAsync();

        var result = await ScenarioRunner.RunAsync(scenario, variant, settings: settings);

        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
    }

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
