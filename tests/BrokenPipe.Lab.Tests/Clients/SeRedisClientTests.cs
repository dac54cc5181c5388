using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Lab.Tests.Clients;

/// <summary>Each StackExchange.Redis version, in its observer process, puts the library's own view on the timeline.</summary>
public sealed class SeRedisClientTests
{
    public static TheoryData<SeRedisVersion> Versions => [.. SeRedisVersions.All];

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task RunAsync_Command_RecordsItsSuccessWithTheVersion(SeRedisVersion version)
    {
        await using var lab = new LabSandbox("se-ok");
        var redis = await RedisServer.StartAsync(lab);
        var client = await SeRedisClient.ConnectAsync(lab, redis.Endpoint, version);

        Assert.True(await client.RunAsync("SET", ["k", "v"]));
        var ok = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.CommandSucceeded && e.Actor == client.Name);
        Assert.Equal(version.Name(), ok.Library?.Version);
        Assert.Equal("SET", ok.Library?.Command);
        Assert.True(client.IsConnected);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ServerKilled_ConnectionFailedIsRecordedWithItsFields(SeRedisVersion version)
    {
        await using var lab = new LabSandbox("se-kill");
        var redis = await RedisServer.StartAsync(lab);
        var client = await SeRedisClient.ConnectAsync(lab, redis.Endpoint, version);

        await redis.KillAsync();
        var failed = await lab.Timeline.WaitForAsync(
            e => e.Kind == EventKind.LibraryConnectionFailed && e.Library?.ConnectionType == "Interactive",
            Bound.Wait,
            "ConnectionFailed on the interactive connection");

        var timeline = TimelineFormat.Lines(lab.Timeline.Snapshot());
        // The library's reader sees EOF (SocketClosed), or its writer meets the RST first (SocketFailure); 2.x/3.x may
        // report the connection by its first reconnect attempt instead, refused by the dead port (UnableToConnect).
        Assert.True(failed.Library?.FailureType is "SocketClosed" or "SocketFailure" or "UnableToConnect", timeline);
        Assert.True(failed.Failure is SocketFailure.EndOfStream or SocketFailure.ConnectionReset or SocketFailure.Refused, timeline);
        Assert.Equal(client.Name, failed.Actor);
    }

    [Fact]
    public async Task DisposeAsync_Always_EndsTheObserverProcess()
    {
        int pid;
        await using (var lab = new LabSandbox("se-dispose"))
        {
            var redis = await RedisServer.StartAsync(lab);
            var client = await SeRedisClient.ConnectAsync(lab, redis.Endpoint, SeRedisVersion.V3_4_35);
            pid = client.Pid;
            Assert.True(Directory.Exists($"/proc/{pid}"));
        }
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(" Z ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConnectEachAsync_AllVersions_ConnectsOneClientPerVersion()
    {
        await using var lab = new LabSandbox("se-all") { Settings = new LabSettings { SeRedis = SeRedisVersions.All } };
        var redis = await RedisServer.StartAsync(lab);

        var clients = await SeRedisClient.ConnectEachAsync(lab, redis.Endpoint);

        Assert.Equal(["se-redis@1.2.6", "se-redis@2.8.16", "se-redis@3.4.35"], clients.Select(c => c.Name));
        Assert.Equal(3, lab.Timeline.Snapshot().Count(e => e.Kind == EventKind.Connected && e.Library is not null));
    }
}
