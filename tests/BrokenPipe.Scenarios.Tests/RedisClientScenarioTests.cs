using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// The Redis seed's two client lines, each found verbatim on the timeline of the scenario that produces it, from the
/// client library's own process (redis-py, ioredis) — not the lab's sentence about it.
/// </summary>
public sealed class RedisClientScenarioTests
{
    [Fact]
    public async Task QueryBufferLimit_Broken_RedisPySaysError104WhileWriting()
    {
        var scenario = Catalog.Find(ScenarioIds.RedisQueryBufferLimit)!;
        var result = await ScenarioRunner.RunAsync(scenario, Variant.Broken, settings: new LabSettings { RedisClients = [RedisClientKinds.RedisPy] });

        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
        var failed = Assert.Single(result.Events, e => e.Actor == "redis-py" && e.Kind == EventKind.CommandFailed);
        Assert.StartsWith("redis.exceptions.ConnectionError: Error 104 while writing to socket. Connection reset by peer.", failed.Verbatim, StringComparison.Ordinal);
        Assert.Equal(Errno.ECONNRESET, failed.Errno);
        Assert.Contains(result.Events, e => e.Kind == EventKind.RedisLog && e.Verbatim?.Contains("Closing client that reached max query buffer length", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task IdleCloseBusyApp_Broken_IoRedisSaysWriteEpipe()
    {
        var scenario = Catalog.Find(ScenarioIds.RedisIdleCloseBusyApp)!;
        var result = await ScenarioRunner.RunAsync(scenario, Variant.Broken, settings: new LabSettings { RedisClients = [RedisClientKinds.IoRedis, RedisClientKinds.NodeRedis] });

        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
        var epipe = Assert.Single(result.Events, e => e.Actor == "ioredis" && e.Verbatim?.StartsWith("[ioredis] Unhandled error event: Error: write EPIPE", StringComparison.Ordinal) == true);
        Assert.Equal((SocketFailure?)SocketFailure.BrokenPipe, epipe.Failure);
        Assert.Equal(Errno.EPIPE, epipe.Errno);
        Assert.Equal(2, result.Events.Count(e => e.Actor == "node-redis" && e.Kind == EventKind.CommandFailed && e.Verbatim == "SocketClosedUnexpectedlyError: Socket closed unexpectedly"));
    }

    [Theory]
    [InlineData(ScenarioIds.RedisQueryBufferLimit)]
    [InlineData(ScenarioIds.RedisIdleCloseBusyApp)]
    public async Task RedisClientScenario_Fixed_EveryClientMeetsItsExpectation(string id)
    {
        var scenario = Catalog.Find(id)!;
        var result = await ScenarioRunner.RunAsync(scenario, Variant.Fixed, settings: new LabSettings { RedisClients = [RedisClientKinds.SeRedis3435, RedisClientKinds.RedisPy, RedisClientKinds.IoRedis, RedisClientKinds.NodeRedis] });

        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
        Assert.Equal(["se-redis@3.4.35", "redis-py", "ioredis", "node-redis"], ClientRun.On(result.Events).Select(r => r.Actor));
    }
}
