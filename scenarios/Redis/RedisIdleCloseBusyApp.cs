using System.Text.Json.Nodes;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>Seed 003: Redis's idle close meets an application that was busy; Node says "write EPIPE".</summary>
internal static class RedisIdleCloseBusyApp
{
    /// <summary>How long the application's thread (Node: its event loop) is busy: past Redis's idle close, which comes at most 2 s after the last command with <c>timeout 1</c> (see RedisIdleTimeout).</summary>
    private static readonly TimeSpan Busy = TimeSpan.FromSeconds(3);

    /// <summary>What ioredis prints when nobody listens to its 'error' event, verbatim from the seed.</summary>
    internal const string IoRedisWords = "[ioredis] Unhandled error event: Error: write EPIPE";

    /// <summary>redis-py with one connection, as the seed's single-connection client; its default pool would check the connection on checkout and reconnect silently.</summary>
    private static readonly RedisClientOptions Options = new() { Library = new Dictionary<string, JsonObject> { ["redis-py"] = new() { ["single_connection_client"] = true } } };

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisIdleCloseBusyApp,
        "redis",
        "Redis closes an idle client while the application is busy; two commands then meet the closed socket: write EPIPE",
        Seeds.Redis,
        new Story(
            Wire: "With `timeout 1` Redis closes a quiet client with a FIN 1–2 s after its last command. The application is busy for 3 s (Node: its event loop blocked), so nobody reads the FIN; then it sends two commands back to back. The first write succeeds — the socket is only half-closed — and draws an RST from Redis's kernel, which on a CLOSE_WAIT socket becomes EPIPE; the second write fails with it. Node says `Error: write EPIPE` (ioredis with no error listener prints `[ioredis] Unhandled error event: Error: write EPIPE`, reconnects and resends both commands, which succeed); node-redis reports `Socket closed unexpectedly` and rejects both. redis-py's single connection sends the first command and reads EOF: \"Connection closed by server.\"; its second command reconnects. StackExchange.Redis reads on threads of its own, so it saw the FIN while the application was busy.",
            Why: "The server's idle timer is shorter than the application's pauses: a worker that did something slow (a CPU-bound step, a synchronous call, a GC pause) comes back to a connection Redis already closed. Whether the error is EPIPE, ECONNRESET or EOF depends on how many writes happen before the library reads the close.",
            Diagnose: "CONFIG GET timeout; 'Closing idle client' in a verbose Redis log; event-loop lag in a Node process (perf_hooks.monitorEventLoopDelay) near the error; the error comes on the first commands after a pause, never mid-traffic.",
            Fix: "Do not let Redis close clients the application keeps: `timeout 0` (the default), or a timeout far above the longest pause; keep the event loop free (move CPU work to a worker); let the client retry a command that failed on a closed connection (ioredis resends by itself; redis-py: retry_on_error=[ConnectionError])."),
        Broken: new ScenarioVariant(
            "timeout 1 and a 3 s busy application, then two GETs back to back: ioredis prints '[ioredis] Unhandled error event: Error: write EPIPE' and both GETs succeed after its reconnect; node-redis rejects both with 'Socket closed unexpectedly'; redis-py (one connection): 'Connection closed by server.' then OK; StackExchange.Redis: ConnectionFailed and restored during the pause, then the GETs OK (or both fail with SocketClosed when they meet the next idle close of the reconnected connection)",
            Busy,
            (lab, ct) => RunAsync(lab, TimeSpan.FromSeconds(1), ct),
            [
                Expect.Event("Redis logs 'Closing idle client' (verbose)", On.Kind(EventKind.RedisIdleClientClosed)),
                .. ClientRun.Expect(
                    new("ioredis", $"'{IoRedisWords}' (EPIPE); both GETs succeed after the reconnect",
                        r => r.Said(IoRedisWords).Any(e => e.Errno == Errno.EPIPE) && Gets(r, EventKind.CommandSucceeded) == 2),
                    new("node-redis", "error 'Socket closed unexpectedly'; both GETs are rejected with it",
                        r => r.Of(EventKind.LibraryConnectionFailed).Any(e => e.Verbatim?.Contains("Socket closed unexpectedly", StringComparison.Ordinal) == true) && r.FailedWith("Socket closed unexpectedly").Count() == 2),
                    new("redis-py", "the first GET fails with 'Connection closed by server.' (EOF); the second reconnects and succeeds",
                        r => r.FailedWith("Connection closed by server.").Count() == 1 && Gets(r, EventKind.CommandSucceeded) == 1),
                    // Its reader reconnects at once, so the new connection idles too: when the GETs come 1–2 s later, Redis's
                    // timer may close it again just as the first GET goes out (SocketClosed), and the next GET reconnects.
                    new("se-redis", "its own reader sees Redis's close while the application is busy and reconnects (ConnectionRestored); each GET succeeds, or fails with SocketClosed (end-of-stream) when it meets the next idle close of the reconnected connection (both GETs go out together, so both can)",
                        r => r.Of(EventKind.LibraryConnectionRestored).Any(e => e.At > ConnectedAt(r)) && Gets(r, EventKind.CommandSucceeded) + r.Of(EventKind.CommandFailed).Count(e => e.Library?.Command == "GET" && e.Failure == SocketFailure.EndOfStream) == 2)),
            ]),
        Fixed: new ScenarioVariant(
            "timeout 0 (Redis's default): the same 3 s pause and two GETs; no idle close, every GET succeeds, no client reports a failure",
            Busy,
            (lab, ct) => RunAsync(lab, TimeSpan.Zero, ct),
            [
                Expect.No("Redis closes no idle client", On.Kind(EventKind.RedisIdleClientClosed)),
                .. ClientRun.Expect(new ClientExpectation(ClientExpectation.Every, "both GETs succeed; no failure is reported", r => Gets(r, EventKind.CommandSucceeded) == 2 && !r.Mine.Any(e => e.Failure is not null && e.At > ConnectedAt(r)))),
            ]))
    {
        Produces = [Signature.Logs(IoRedisWords, RedisClientKinds.IoRedis), Signature.Logs("Socket closed unexpectedly", RedisClientKinds.NodeRedis), Signature.Fails(Side.Client, SocketFailure.BrokenPipe, Errno.EPIPE)],
    };

    /// <summary>When the client was connected, right before its busy spell.</summary>
    private static TimeSpan ConnectedAt(ClientRun run) => run.Of(EventKind.Connected).FirstOrDefault()?.At ?? TimeSpan.MaxValue;

    private static int Gets(ClientRun run, EventKind outcome) => run.Of(outcome).Count(e => e.Library?.Command == "GET");

    private static async Task RunAsync(LabSandbox lab, TimeSpan idleTimeout, CancellationToken ct)
    {
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = idleTimeout }, ct);
        // Each client's busy spell starts as soon as it connected (its connect ends with a round trip, which restarts
        // Redis's idle clock), not when the slowest observer is up: Redis's close, at most 2 s after that round trip,
        // then falls inside the 3 s.
        await Task.WhenAll(lab.Settings.RedisClients.Select(async kind =>
        {
            var client = await RedisClient.ConnectAsync(lab, redis.Endpoint, kind, Options, cancellationToken: ct);
            await client.BurstAsync(Busy, "GET", ["k"], 2, ct);
        }));
    }
}
