using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Events;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Scenarios;
using BrokenPipe.Lab.Sockets;

namespace BrokenPipe.Scenarios.Redis;

// The class Lab shares its name with the namespace BrokenPipe.Lab; inside BrokenPipe.* the alias picks the class.
using Lab = BrokenPipe.Lab.Lab;

/// <summary>Seed 003, cause 2: Redis's <c>timeout</c> closes idle clients; the next use finds a closed connection.</summary>
internal static class RedisIdleTimeout
{
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(5);

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisIdleTimeout,
        "redis",
        "Redis's idle timeout closes a quiet connection; the next command finds it gone",
        Seeds.Redis,
        new Story(
            Wire: "With `timeout 1`, Redis closes a client that has been idle for a second or so (its check is coarse: 1.2–1.7 s) with a FIN, and logs 'Closing idle client' — at loglevel verbose only. A raw client that comes back later: its PING is sent without error (the socket is only half-closed), the read returns EOF, and every later send fails with EPIPE. StackExchange.Redis 1.2.6 reads `timeout` at connect and sets its keep-alive to 3/4 of it — 0 for `timeout 1` — so its interactive connection is closed every ~2 s: ConnectionFailed (SocketClosed) then ConnectionRestored, again and again, while IsConnected stays true.",
            Why: "Two idle timers: the server's `timeout` and the client's keep-alive (or pool idle time). When the client's is longer, the server closes first and the client meets the closed connection on its next command. Pub/sub connections are exempt from `timeout`.",
            Diagnose: "redis-cli CONFIG GET timeout; CLIENT LIST shows idle= values near the timeout. The 'Closing idle client' line is only in a verbose log. On the client: broken pipe or EOF on the first command after a quiet period; in StackExchange.Redis, ConnectionFailed/ConnectionRestored pairs at a steady rhythm.",
            Fix: "Keep the client busier than the server's timeout — a keep-alive below it (StackExchange.Redis keepAlive=1 with timeout 2) or timeout 0 — and make clients reconnect and retry on a closed connection."),
        Broken: new ScenarioVariant(
            "timeout 1: after Redis logs 'Closing idle client', the raw client's PING is sent without error, its read returns EOF, and its next send fails with EPIPE; StackExchange.Redis with defaults (keep-alive 0) loses its interactive connection again and again: ConnectionFailed (SocketClosed) / ConnectionRestored cycles",
            // All timers of Redis and the library: the raw client's idle close (1.2–1.7 s, on Redis's cron), then two
            // library cycles of ≈2 s each and the reconnects between them (6.0 s median over 20 runs).
            TimeSpan.FromSeconds(6),
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.Event("Redis logs 'Closing idle client' (verbose)", On.Kind(EventKind.RedisIdleClientClosed)),
                Expect.Event("raw: the PING after the idle close is sent without error", On.Sent("probe", 2)),
                Expect.Event("raw: the read returns EOF", e => e.Actor == "probe" && e.Kind == EventKind.EndOfStream),
                Expect.Event("raw: the next send fails with EPIPE", On.Failed(EventKind.SendFailed, "probe", Errno.EPIPE, 3)),
                Expect.That(
                    "StackExchange.Redis: at least two ConnectionFailed (SocketClosed, Interactive), each followed by ConnectionRestored",
                    events => events.Count(e => e.Kind == EventKind.LibraryConnectionFailed && e.Detail.Contains("Interactive SocketClosed", StringComparison.Ordinal)) >= 2 &&
                              events.Count(e => e.Kind == EventKind.LibraryConnectionRestored) >= 2),
                Expect.FirstDisconnect(Side.Redis, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "timeout 2 and a keep-alive below it (a raw PING every 0.5 s; StackExchange.Redis keepAlive=1): no idle close, no ConnectionFailed over 5 s, every command answers",
            // six 0.5 s keep-alive pings, then the 5 s quiet window
            TimeSpan.FromSeconds(3) + Watch,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.No("Redis closes no idle client", On.Kind(EventKind.RedisIdleClientClosed)),
                Expect.No("StackExchange.Redis raises no ConnectionFailed", On.Kind(EventKind.LibraryConnectionFailed)),
                Expect.No("no send fails", On.Kind(EventKind.SendFailed)),
                Expect.Event("the last command through StackExchange.Redis succeeds", On.Kind(EventKind.CommandSucceeded)),
            ]));

    private static async Task RunAsync(Lab lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = TimeSpan.FromSeconds(broken ? 1 : 2) }, ct);

        // The raw client, alone first, so that Redis's idle-close line is about its connection.
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe", cancellationToken: ct))!;
        await probe.SendAsync("PING");
        await probe.ReadAsync(TimeSpan.FromSeconds(2));
        if (broken)
        {
            // Wait for Redis's own word that it closed the idle connection, not for a guessed sleep.
            await lab.Timeline.WaitForAsync(EventKind.RedisIdleClientClosed, TimeSpan.FromSeconds(5), Side.Redis, cancellationToken: ct);
            await probe.SendAsync("PING");
            await probe.ReadAsync(TimeSpan.FromSeconds(2));
            await probe.SendAsync("PING");
        }
        else
        {
            for (var i = 0; i < 6; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct); // the keep-alive's rhythm is the fix being shown
                await probe.SendAsync("PING");
                await probe.ReadAsync(TimeSpan.FromSeconds(2));
            }
        }
        await probe.CloseAsync();

        var client = await SeRedisClient.ConnectAsync(lab, redis.Endpoint, broken ? "" : "keepAlive=1");
        if (broken)
        {
            // Redis closes the library's interactive connection every ~2 s: wait for the second failure and its restore.
            var failures = 0;
            var second = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.LibraryConnectionFailed && ++failures == 2, Watch + TimeSpan.FromSeconds(5), "a second ConnectionFailed", ct);
            await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.LibraryConnectionRestored && e.At >= second.At, TimeSpan.FromSeconds(5), "the ConnectionRestored after it", ct);
        }
        else
        {
            await Task.Delay(Watch, ct); // the quiet window in which nothing must happen
        }
        await client.RunAsync("PING", db => db.PingAsync());
    }
}
