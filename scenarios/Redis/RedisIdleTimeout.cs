using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>Seed 003, cause 2: Redis's <c>timeout</c> closes idle clients; the next use finds a closed connection.</summary>
internal static class RedisIdleTimeout
{
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With <c>timeout 1</c> Redis's check (from its cron, every 100 ms) counts whole seconds of its clock: a client last
    /// heard in second N is closed at the first tick of second N+2 — 1–2 s after its command, 2 s at most. The run's last
    /// commands go out just after a second starts when runs follow one another (a run starts right after the previous
    /// one's last close, which comes at a second's first tick): then it is ≈1.95 s. The bound is declared.
    /// </summary>
    private static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The library's cycle under <c>timeout 1</c>: it reconnects at once, within the cron tick that closed it, so its new
    /// connection is idle from the start of a second and Redis closes it 2 s later, again and again.
    /// </summary>
    private static readonly TimeSpan Cycle = TimeSpan.FromSeconds(2);

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisIdleTimeout,
        "redis",
        "Redis's idle timeout closes a quiet connection; the next command finds it gone",
        Seeds.Redis,
        new Story(
            Wire: "With `timeout 1`, Redis closes a client that has been idle for a second or so (its check is coarse: it counts whole seconds of its clock, from its cron, so 1–2 s after the last command) with a FIN, and logs 'Closing idle client' — at loglevel verbose only. A raw client that comes back later: its PING is sent without error (the socket is only half-closed), the read returns EOF, and every later send fails with EPIPE. StackExchange.Redis cycles in every version: 1.2.6 derives its keep-alive from `timeout` (3/4 of 1 s rounds to 0), 2.x and 3.x keep 60 s; each close is a ConnectionFailed (SocketClosed) then a ConnectionRestored within milliseconds, again and again.",
            Why: "Two idle timers: the server's `timeout` and the client's keep-alive (or pool idle time). When the client's is longer, the server closes first and the client meets the closed connection on its next command. Pub/sub connections are exempt from `timeout`.",
            Diagnose: "redis-cli CONFIG GET timeout; CLIENT LIST shows idle= values near the timeout. The 'Closing idle client' line is only in a verbose log. On the client: broken pipe or EOF on the first command after a quiet period; in StackExchange.Redis, ConnectionFailed/ConnectionRestored pairs at a steady rhythm.",
            Fix: "Keep the client busier than the server's timeout: a keep-alive well below it (keepAlive=1 with timeout 3: the library's 1 s ticks can leave nearly 2 s between two commands, and Redis counts whole seconds; on 2.x/3.x also `HeartbeatConsistencyChecks`, a command every second), or timeout 0; and make clients retry on a closed connection."),
        Broken: new ScenarioVariant(
            "timeout 1: after Redis logs 'Closing idle client', the raw client's PING is sent without error, its read returns EOF, and its next send fails with EPIPE; StackExchange.Redis with defaults (1.2.6: keep-alive 0; 2.x/3.x: 60 s) loses its interactive connection again and again: ConnectionFailed (SocketClosed) / ConnectionRestored cycles",
            // Redis's timers, which the raw client and the library sit out side by side: the first idle close, at most
            // 2 s after the last command (see IdleClose), then the library's second close one 2 s cycle later.
            IdleClose + Cycle,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.Event("Redis logs 'Closing idle client' (verbose)", On.Kind(EventKind.RedisIdleClientClosed)),
                Expect.Event("raw: the PING after the idle close is sent without error", On.Sent("probe", 2)),
                Expect.Event("raw: the read returns EOF", e => e.Actor == "probe" && e.Kind == EventKind.EndOfStream),
                Expect.Event("raw: the next send fails with EPIPE", On.Failed(EventKind.SendFailed, "probe", Errno.EPIPE, 3)),
                LibraryRun.Each(
                    "StackExchange.Redis (every version): at least two ConnectionFailed (Interactive, SocketClosed: end-of-stream), each followed by ConnectionRestored",
                    run => run.Of(EventKind.LibraryConnectionFailed).Count(e => e.Library?.ConnectionType == "Interactive" && e.Failure == SocketFailure.EndOfStream) >= 2 &&
                           run.Of(EventKind.LibraryConnectionRestored).Count() >= 2),
                Expect.FirstDisconnect(Side.Redis, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "timeout 3 and a keep-alive well below it (a raw PING every 0.5 s; StackExchange.Redis keepAlive=1, and HeartbeatConsistencyChecks on 2.x/3.x): no idle close, no ConnectionFailed over 5 s, every command answers",
            // six 0.5 s keep-alive pings, then the 5 s quiet window
            TimeSpan.FromSeconds(3) + Watch,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.No("Redis closes no idle client", On.Kind(EventKind.RedisIdleClientClosed)),
                Expect.No("StackExchange.Redis raises no ConnectionFailed", On.Kind(EventKind.LibraryConnectionFailed)),
                Expect.No("no send fails", On.Kind(EventKind.SendFailed)),
                LibraryRun.Each("StackExchange.Redis (every version): the command after the quiet window succeeds", run => run.Of(EventKind.CommandSucceeded).Any()),
            ]))
    {
        Produces = [Signature.Logs("Closing idle client"), Signature.Fails(Side.Client, SocketFailure.BrokenPipe, Errno.EPIPE)],
    };

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = TimeSpan.FromSeconds(broken ? 1 : 3) }, ct);

        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe", cancellationToken: ct))!;
        await probe.SendAsync("PING");
        await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
        if (broken)
        {
            // The raw client and the library sit out Redis's idle timer side by side.
            var clients = await SeRedisClient.ConnectEachAsync(lab, redis.Endpoint, cancellationToken: ct);
            await Task.WhenAll([RawAfterIdleCloseAsync(lab, redis, probe, ct), .. clients.Select(c => LibraryCyclesAsync(lab, c.Name, ct))]);
            await Task.WhenAll(clients.Select(c => c.RunAsync("PING", cancellationToken: ct)));
        }
        else
        {
            for (var i = 0; i < 6; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct); // the keep-alive's rhythm is the fix being shown
                await probe.SendAsync("PING");
                await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
            }
            await probe.CloseAsync();
            var clients = await SeRedisClient.ConnectEachAsync(lab, redis.Endpoint, new SeRedisOptions { Configuration = "keepAlive=1", HeartbeatConsistencyChecks = true }, cancellationToken: ct);
            await Task.Delay(Watch, ct); // the quiet window in which nothing must happen
            await Task.WhenAll(clients.Select(c => c.RunAsync("PING", cancellationToken: ct)));
        }
    }

    /// <summary>
    /// Waits for Redis's own word that it closed the raw client (not a guessed sleep): "Closing idle client" does not
    /// say which client, so after each such line CLIENT LIST (unrecorded) tells whether the probe's address is gone.
    /// Then the client comes back: PING, read, PING.
    /// </summary>
    private static async Task RawAfterIdleCloseAsync(LabSandbox lab, RedisServer redis, RespProbe probe, CancellationToken ct)
    {
        var local = probe.LocalEndPoint;
        var seen = TimeSpan.Zero;
        for (var closes = 0; closes < 4; closes++)
        {
            var closed = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.RedisIdleClientClosed && e.At > seen, TimeSpan.FromSeconds(5), "Redis closing an idle client", ct);
            seen = closed.At;
            var list = Resp.Render(await redis.CommandAsync("CLIENT", "LIST"));
            if (!list.Contains($"addr={local} ", StringComparison.Ordinal)) break;
        }
        await probe.SendAsync("PING");
        await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
        await probe.SendAsync("PING");
        await probe.CloseAsync();
    }

    /// <summary>Redis closes a library client's interactive connection every ~2 s: waits for its second failure and its restore.</summary>
    private static async Task LibraryCyclesAsync(LabSandbox lab, string actor, CancellationToken ct)
    {
        var failures = 0;
        var second = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.LibraryConnectionFailed && e.Actor == actor && ++failures == 2, Watch + TimeSpan.FromSeconds(5), $"a second ConnectionFailed [{actor}]", ct);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.LibraryConnectionRestored && e.Actor == actor && e.At >= second.At, TimeSpan.FromSeconds(5), $"the ConnectionRestored after it [{actor}]", ct);
    }
}
