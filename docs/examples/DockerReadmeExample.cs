using BrokenPipe.Lab;
using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Events;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Runtimes;
using BrokenPipe.Lab.Sockets;

namespace MyTeam.Docker.Tests;

public class RedisOnDockerTests
{
    [Fact]
    public async Task Redis_IdleClientComesBack_SecondSendBreaksThePipe()
    {
        // Redis in a container (host network) of the run's image: BROKENPIPE_LAB_REDIS_IMAGE, else redis:7.4.
        var settings = LabSettings.Default with { Runtime = DockerRuntime.HostNetwork };
        await using var lab = new LabSandbox("redis-idle-on-docker") { Settings = settings };
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = TimeSpan.FromSeconds(1) });

        var client = (await RespProbe.ConnectAsync(lab, redis.Endpoint))!;
        await client.SendAsync("PING");
        await lab.Timeline.WaitForAsync(EventKind.RedisIdleClientClosed, TimeSpan.FromSeconds(5));
        Assert.Equal(RespReadOutcome.Reply, (await client.ReadReplyAsync(TimeSpan.FromSeconds(2))).Outcome);        // PONG
        Assert.Equal(RespReadOutcome.EndOfStream, (await client.ReadReplyAsync(TimeSpan.FromSeconds(2))).Outcome);  // Redis closed the idle connection
        Assert.True(await client.SendAsync("PING"));               // sent into a half-closed socket: Redis answers RST
        Assert.False(await client.SendAsync("PING"));              // EPIPE

        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.SendFailed && e.Errno == Errno.EPIPE);
    }
}
