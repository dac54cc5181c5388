using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Lab.Tests.Clients;

/// <summary>The StackExchange.Redis 1.2.6 wrapper puts the library's own view on the timeline.</summary>
public sealed class SeRedisClientTests
{
    [Fact]
    public async Task RunAsync_Command_RecordsItsSuccess()
    {
        await using var lab = new LabSandbox("se-ok");
        var redis = await RedisServer.StartAsync(lab);
        var client = await SeRedisClient.ConnectAsync(lab, redis.Endpoint);

        Assert.True(await client.RunAsync("SET", db => db.StringSetAsync("k", "v")));
        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.CommandSucceeded && e.Detail.StartsWith("SET #1 OK", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConnectAsync_Always_RecordsWhenTheHeartbeatStarted()
    {
        await using var lab = new LabSandbox("se-heartbeat");
        var redis = await RedisServer.StartAsync(lab);
        await SeRedisClient.ConnectAsync(lab, redis.Endpoint);

        var events = lab.Timeline.Snapshot();
        var heartbeat = Assert.Single(events, SeRedisClient.IsHeartbeatStart);
        Assert.True(heartbeat.At <= events.First(e => e.Kind == EventKind.Connected && e.Actor == "se-redis").At, TimelineFormat.Lines(events));
    }

    [Fact]
    public async Task ServerKilled_ConnectionFailedIsRecordedAndCommandsFail()
    {
        await using var lab = new LabSandbox("se-kill");
        var redis = await RedisServer.StartAsync(lab);
        var client = await SeRedisClient.ConnectAsync(lab, redis.Endpoint);

        await redis.KillAsync();
        var failed = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.LibraryConnectionFailed && e.Detail.Contains("Interactive", StringComparison.Ordinal), Bound.Wait, "ConnectionFailed on the interactive connection");
        var ok = await client.RunAsync("GET", db => db.StringGetAsync("k"));

        var timeline = TimelineFormat.Lines(lab.Timeline.Snapshot());
        // The library's reader sees EOF (SocketClosed) — or, under load, its writer meets the RST first (SocketFailure).
        Assert.True(failed.Detail.Contains("SocketClosed", StringComparison.Ordinal) || failed.Detail.Contains("SocketFailure", StringComparison.Ordinal), timeline);
        Assert.False(ok, timeline);
        Assert.True(lab.Timeline.Snapshot().Any(e => e.Kind == EventKind.CommandFailed && e.Detail.Contains("RedisConnectionException", StringComparison.Ordinal)), timeline);
    }
}
