using System.Text.Json.Nodes;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>Seed 003: Redis closes a client whose one command outgrows <c>client-query-buffer-limit</c>; redis-py says "Error 104 while writing to socket".</summary>
internal static class RedisQueryBufferLimit
{
    private const int ValueBytes = 32_000_000;

    /// <summary>redis-py's words for it, verbatim from the seed.</summary>
    internal const string RedisPyWords = "Error 104 while writing to socket. Connection reset by peer.";

    /// <summary>ioredis resends an unanswered command after each reconnect: this app bounds each command to 5 s (without it the SET never settles; 5 s leaves a loaded machine room for the fixed variant's 32 MB SET).</summary>
    private static readonly RedisClientOptions Options = new() { Library = new Dictionary<string, JsonObject> { ["ioredis"] = new() { ["commandTimeout"] = 5000 } } };

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisQueryBufferLimit,
        "redis",
        "A 32 MB SET against a 1 MB client-query-buffer-limit: Redis resets the writer mid-command",
        Seeds.Redis,
        new Story(
            Wire: "With `client-query-buffer-limit 1mb`, Redis reads the first megabyte or so of a 32 MB SET, logs '# Closing client that reached max query buffer length' and closes the socket with the rest still unread, so its kernel answers with an RST. The client is still inside its send: redis-py's sendall() gets ECONNRESET and says \"Error 104 while writing to socket. Connection reset by peer.\"; Node, which writes into its own buffer and learns from the read side, says `read ECONNRESET`. ioredis reconnects and resends the same SET, which is reset again, several times a second, for as long as the command lives.",
            Why: "The query buffer holds a client's unparsed input; its limit (1 GB by default) protects Redis's memory from one huge or malformed command. Operators lower it; a big value (a cached blob, a serialized session) then crosses it and the connection dies mid-command. `proto-max-bulk-len` does the same to a single bulk argument.",
            Diagnose: "The Redis log line names the client (addr=, qbuf=) and shows the first bytes of the command; CONFIG GET client-query-buffer-limit and proto-max-bulk-len; the client's error comes in the write of a big command, not after a quiet period. In ioredis a reset loop (read ECONNRESET, reconnect, again) that only one command causes.",
            Fix: "Keep every command below the limit: raise client-query-buffer-limit (and proto-max-bulk-len) above the biggest value the application writes, or split big values (SETRANGE/APPEND in chunks, or store them elsewhere). Bound commands in ioredis (commandTimeout, maxRetriesPerRequest) so one poisoned command cannot loop for ever."),
        Broken: new ScenarioVariant(
            "client-query-buffer-limit 1mb, then SET of a 32 MB value from each client (far more than the socket buffers take, so the client is still sending when the RST comes; with 8 MB a loaded machine's buffers sometimes took it all and redis-py met the RST in its read instead): Redis logs 'Closing client that reached max query buffer length' and resets it; redis-py: \"Error 104 while writing to socket. Connection reset by peer.\"; node-redis: read (or write) ECONNRESET; ioredis: a reset loop until its commandTimeout",
            TimeSpan.FromSeconds(10), // ioredis's two 5 s command timeouts
            (lab, ct) => RunAsync(lab, "1mb", ct),
            [
                Expect.Event("Redis logs 'Closing client that reached max query buffer length'", e => e.Kind == EventKind.RedisLog && e.Verbatim?.Contains("Closing client that reached max query buffer length", StringComparison.Ordinal) == true),
                .. ClientRun.Expect(
                    new("redis-py", $"the SET fails with \"{RedisPyWords}\" (ECONNRESET in sendall); the next PING reconnects silently and succeeds",
                        r => r.FailedWith(RedisPyWords).Any(e => e.Errno == Errno.ECONNRESET) && LastPingOk(r)),
                    new("node-redis", "the SET is rejected with 'read ECONNRESET' or 'write ECONNRESET' (whether Node was still writing when the RST came); the next PING succeeds",
                        r => r.Of(EventKind.CommandFailed).Any(e => e.Library?.Command == "SET" && e.Errno == Errno.ECONNRESET && e.Verbatim?.Contains(" ECONNRESET", StringComparison.Ordinal) == true) && LastPingOk(r)),
                    new("ioredis", "'[ioredis] Unhandled error event: Error: read ECONNRESET' again and again (it resends the SET after each reconnect); the SET and the PING after it fail with 'Command timed out' (commandTimeout 5000)",
                        r => r.Said("[ioredis] Unhandled error event: Error: read ECONNRESET").Count() >= 2 && r.FailedWith("Command timed out").Count() == 2),
                    new("se-redis", "the SET fails with a connection error (its writer meets the reset, ECONNRESET or EPIPE, or its reader sees the close first: SocketClosed); ConnectionFailed, then ConnectionRestored",
                        r => r.Of(EventKind.CommandFailed).Any(e => e.Library?.Command == "SET" && e.Failure is not null) && r.Of(EventKind.LibraryConnectionRestored).Any())),
            ]),
        Fixed: new ScenarioVariant(
            "client-query-buffer-limit 64mb, above the biggest value: every client's 32 MB SET and PING succeed, Redis closes no client, no connection breaks",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, "64mb", ct),
            [
                Expect.No("Redis closes no client over its query buffer", e => e.Kind == EventKind.RedisLog && e.Verbatim?.Contains("max query buffer", StringComparison.Ordinal) == true),
                .. ClientRun.Expect(new ClientExpectation(ClientExpectation.Every, "the 32 MB SET and the PING succeed; no failure is reported", r => r.Of(EventKind.CommandSucceeded).Count() == 2 && !r.Mine.Any(e => e.Failure is not null))),
            ]))
    {
        Produces = [Signature.Logs("Closing client that reached max query buffer length"), Signature.Logs(RedisPyWords, RedisClientKinds.RedisPy), Signature.Logs("ECONNRESET", RedisClientKinds.NodeRedis)],
    };

    private static bool LastPingOk(ClientRun run) =>
        run.Mine.LastOrDefault(e => e.Library?.Command == "PING" && e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed)?.Kind == EventKind.CommandSucceeded;

    private static async Task RunAsync(LabSandbox lab, string limit, CancellationToken ct)
    {
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);
        await redis.CommandAsync("CONFIG", "SET", "client-query-buffer-limit", limit);
        lab.Timeline.Note(Side.Lab, $"CONFIG SET client-query-buffer-limit {limit}");
        var clients = await RedisClient.ConnectEachAsync(lab, redis.Endpoint, Options, ct);
        // One client after the other, so each 32 MB SET has Redis to itself (side by side, four of them kept a loaded
        // machine busy past ioredis's 5 s command timeout). ioredis goes last: its resend loop goes on after its command
        // timed out, until the lab closes it.
        foreach (var client in clients.OrderBy(c => c.Kind == RedisClientKinds.IoRedis))
        {
            await client.RunWithValueAsync("SET", ["big"], ValueBytes, ct);
            await client.RunAsync("PING", cancellationToken: ct);
        }
    }
}
