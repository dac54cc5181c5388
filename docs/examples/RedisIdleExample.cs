using BrokenPipe.Lab;
using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Events;
using BrokenPipe.Lab.Parts.Redis;

namespace MyTeam.Tests;

public class RedisIdleTests
{
    [Fact]
    public async Task Connection_IdlePastRedisTimeout_ReadsEndOfStream()
    {
        await using var lab = new LabSandbox("redis-idle");
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = TimeSpan.FromSeconds(1) });
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint))!;

        await probe.SendAsync("PING");
        var pong = await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
        Assert.Equal((RespReadOutcome.Reply, "PONG"), (pong.Outcome, pong.Value));

        // Redis closes the quiet connection (its log says so at verbose); the probe reads EOF, not an error or a timeout.
        await lab.Timeline.WaitForAsync(EventKind.RedisIdleClientClosed, TimeSpan.FromSeconds(5), Side.Redis);
        var after = await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));

        Assert.Equal(RespReadOutcome.EndOfStream, after.Outcome);
        Assert.Equal((Side.Redis, "FIN"), (lab.Timeline.FirstDisconnect()!.Side, lab.Timeline.FirstDisconnect()!.How));
    }
}
