using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Lab.Tests.Parts.Redis;

/// <summary>The Redis part against a real redis-server: readiness, the verbose log, kill -9 and restart, pause, snapshots, cleanup.</summary>
public sealed class RedisServerTests
{
    [Fact]
    public async Task StartAsync_Always_AnswersPingAndTailsItsLog()
    {
        await using var lab = new LabSandbox("redis-start");
        var redis = await RedisServer.StartAsync(lab);

        Assert.Equal("PONG", Resp.Render(await redis.CommandAsync("PING")));
        Assert.True(redis.StartupTime < TimeSpan.FromSeconds(2), $"{redis.StartupTime}");
        await lab.Timeline.WaitForAsync(EventKind.RedisReady, Bound.Wait, Side.Redis);
    }

    [Fact]
    public async Task DisposeAsync_Always_StopsTheProcessByItsPid()
    {
        var lab = new LabSandbox("redis-stop");
        var redis = await RedisServer.StartAsync(lab);
        var pid = redis.Pid;
        var endpoint = redis.Endpoint;

        await lab.DisposeAsync();

        Assert.False(Directory.Exists($"/proc/{pid}"), $"redis-server {pid} still runs");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var e = await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(endpoint));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }

    [Fact]
    public async Task DisposeAsync_AfterARestart_StopsTheNewProcessWithShutdown()
    {
        var lab = new LabSandbox("redis-stop-restarted");
        var redis = await RedisServer.StartAsync(lab);
        await redis.KillAsync();
        await redis.RestartAsync();
        var pid = redis.Pid;

        await lab.DisposeAsync();

        var timeline = TimelineFormat.Lines(lab.Timeline.Snapshot());
        Assert.False(Directory.Exists($"/proc/{pid}"), $"redis-server {pid} still runs");
        // Stopped through SHUTDOWN by the server (owned again above the new process), not by the process's SIGTERM.
        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.PartStopped && e.Detail == $"redis-server (pid {redis.Pid}) stopped");
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Detail.StartsWith("stopping", StringComparison.Ordinal));
        Assert.DoesNotContain("Received SIGTERM", timeline, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KillAsync_ThenRestartAsync_ServesTheSamePortAgain()
    {
        await using var lab = new LabSandbox("redis-kill");
        var redis = await RedisServer.StartAsync(lab);
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe"))!;
        // Served once, so Redis has accepted it: a connection still in the listen backlog would be reset, not closed.
        await probe.SendAsync("PING");
        Assert.Equal("PONG", (await probe.ReadReplyAsync(Bound.Wait)).Value);
        var first = redis.Pid;

        await redis.KillAsync();
        var refused = await RespProbe.ConnectAsync(lab, redis.Endpoint, "while-down");
        await redis.RestartAsync();

        Assert.Null(refused);
        Assert.Contains(lab.Timeline.Snapshot(), e => e.Actor == "while-down" && e.Errno == Errno.ECONNREFUSED);
        Assert.NotEqual(first, redis.Pid);
        Assert.Equal("PONG", Resp.Render(await redis.CommandAsync("PING")));
        Assert.Equal(RespReadOutcome.EndOfStream, (await probe.ReadReplyAsync(TimeSpan.FromSeconds(5))).Outcome);
        Assert.True(
            lab.Timeline.Snapshot().Any(e => e.Actor == "probe" && e.Kind == EventKind.EndOfStream),
            TimelineFormat.Lines(lab.Timeline.Snapshot()));
    }

    [Fact]
    public async Task Pause_StopsAnsweringUntilResume()
    {
        await using var lab = new LabSandbox("redis-pause");
        var redis = await RedisServer.StartAsync(lab);
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe"))!;

        redis.Pause();
        await probe.SendAsync("PING");
        var silent = await probe.ReadReplyAsync(TimeSpan.FromMilliseconds(300));
        redis.Resume();
        var answer = await probe.ReadReplyAsync(Bound.Wait);

        Assert.Equal((RespReadOutcome.TimedOut, SocketFailure.TimedOut), (silent.Outcome, silent.Failure));
        Assert.Equal((RespReadOutcome.Reply, "PONG"), (answer.Outcome, answer.Value));
    }

    [Fact]
    public async Task SnapshotAsync_InfoAndClientList_AreRecorded()
    {
        await using var lab = new LabSandbox("redis-snapshot");
        var redis = await RedisServer.StartAsync(lab);
        await using var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe"))!;

        await redis.SnapshotAsync("server", "uptime_in_seconds");
        await redis.SnapshotAsync("CLIENT LIST", "flags", "cmd");

        var snapshots = lab.Timeline.Snapshot().Where(e => e.Kind == EventKind.RedisSnapshot).ToList();
        Assert.Contains(snapshots, e => e.Detail.StartsWith("server: uptime_in_seconds:", StringComparison.Ordinal));
        Assert.Contains(snapshots, e => e.Detail.StartsWith("CLIENT LIST: ", StringComparison.Ordinal) && e.Detail.Contains("flags=N", StringComparison.Ordinal));
        // The fields, typed, for checks: all of INFO's section, and every client of CLIENT LIST.
        Assert.Contains(snapshots, e => e.Redis is { Snapshot: "server" } r && r.Number("uptime_in_seconds") >= 0 && r.Field("run_id") is { Length: 40 });
        Assert.Contains(snapshots, e => e.Redis?.Clients?.Any(c => c.Field("addr") == probe.LocalEndPoint.ToString() && c.Field("flags") == "N") == true);
    }

    [Fact]
    public async Task IdleTimeout_QuietClient_IsClosedAndLoggedAtVerbose()
    {
        await using var lab = new LabSandbox("redis-idle");
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = TimeSpan.FromSeconds(1) });
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe"))!;

        await lab.Timeline.WaitForAsync(EventKind.RedisIdleClientClosed, Bound.Wait, Side.Redis);
        var reply = await probe.ReadReplyAsync(Bound.Wait);

        Assert.Equal((RespReadOutcome.EndOfStream, SocketFailure.EndOfStream), (reply.Outcome, reply.Failure));
        Assert.Contains(lab.Timeline.Snapshot(), e => e.Actor == "probe" && e.Kind == EventKind.EndOfStream && e.Peer == Side.Redis);
    }

    [Fact]
    public async Task ReadReplyAsync_UnknownCommand_IsRedisErrorReply()
    {
        await using var lab = new LabSandbox("redis-error-reply");
        var redis = await RedisServer.StartAsync(lab);
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe"))!;

        await probe.SendAsync("NO-SUCH-COMMAND");
        var reply = await probe.ReadReplyAsync(Bound.Wait);

        Assert.Equal((RespReadOutcome.Error, true, (SocketFailure?)null), (reply.Outcome, reply.Answered, reply.Failure));
        Assert.IsType<RespError>(reply.Value);
    }
}
