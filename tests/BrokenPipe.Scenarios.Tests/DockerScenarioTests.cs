using BrokenPipe.Lab.Reports;
using BrokenPipe.Lab.Runtimes;

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

    /// <summary>
    /// proxy-client-abort broken on docker: nginx sometimes reads Kestrel's whole 10 MB before its second write to the gone
    /// client fails, and then closes the upstream with a FIN, not a reset (2 of 5 and 1 of 6 runs here, 8 of 8 met
    /// locally; bench/results.md). The scenario's race, open; skipped here so that it stays visible.
    /// </summary>
    [Fact(Skip = "proxy-client-abort broken misses on docker in ~1 run of 4: nginx reads the whole upstream response before the client's EPIPE, so it closes the upstream with a FIN (bench/results.md)")]
    public Task ProxyClientAbortBroken_OnDockerRuntime_MeetsItsExpectation() =>
        Scenario_OnDockerRuntime_MeetsItsExpectation(ScenarioIds.ProxyClientAbort, Variant.Broken);

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
