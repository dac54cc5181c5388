using System.Globalization;
using System.Text.RegularExpressions;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>
/// Seed 003: Redis stays up but closes connections on purpose — here an operator's <c>CLIENT KILL</c>, which leaves no
/// line in Redis's log. The only trace on the server is a counter in INFO commandstats.
/// </summary>
internal static partial class RedisClientKill
{
    /// <summary>The application's rhythm: one SET every 200 ms.</summary>
    private static readonly TimeSpan Rhythm = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The bound on the library's reconnect after the kill: Redis is up, so the first attempt succeeds; 1.2.6 waits for
    /// its heartbeat (every second), 2.x/3.x reconnect at once.
    /// </summary>
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(2);

    /// <summary>How long the fixed variant watches the application's connections after the targeted kill.</summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(1);

    private const string Operator = "operator";
    private const string Batch = "batch-job";

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisClientKill,
        "redis",
        "An operator runs CLIENT KILL TYPE normal: Redis stays up, every application connection is closed, and its log says nothing",
        Seeds.Redis,
        new Story(
            Wire: "An operator (or a runbook, a failover script) clears a stuck client with `CLIENT KILL TYPE normal SKIPME yes`: Redis closes every normal connection but its own with a FIN. A raw idle client reads EOF; its next send succeeds (the closed socket answers with an RST) and the one after fails with EPIPE. StackExchange.Redis raises ConnectionFailed (SocketClosed) at once and reconnects within about a second in every version. Redis logs nothing about the killed connections, not even at verbose: its uptime is unchanged and only `INFO commandstats` counts the kill.",
            Why: "Redis closes connections on purpose, not only when it dies: CLIENT KILL, the idle `timeout`, an output-buffer limit. CLIENT KILL by TYPE or by USER hits every matching connection, the application's pool included, whatever client the operator meant.",
            Diagnose: "A burst of ConnectionFailed on every application instance at the same instant while Redis stayed up (INFO server: uptime_in_seconds large, run_id unchanged) and its log shows neither 'Closing idle client' nor an output-buffer line: look at `INFO commandstats` (cmdstat_client|kill calls=) and at who has admin rights (ACL LOG, the runbook's history).",
            Fix: "Name connections (CLIENT SETNAME, or `name=` in StackExchange.Redis's configuration) and kill the one that is stuck by its ID (`CLIENT LIST` shows name= and id=; `CLIENT KILL ID n`), never by TYPE; restrict CLIENT to admin users with ACLs; and let the application retry an idempotent command once on a closed connection."),
        Broken: new ScenarioVariant(
            "a SET every 200 ms, then CLIENT KILL TYPE normal SKIPME yes: the raw idle client reads EOF, its second send fails with EPIPE; every version raises ConnectionFailed (Interactive) at once and ConnectionRestored within 2 s; Redis logs nothing about it, its uptime runs on, INFO commandstats counts one CLIENT KILL",
            // 1.2.6's reconnect waits for its heartbeat: at most a second
            TimeSpan.FromSeconds(1),
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.That(
                    "raw: the idle client's read returns EOF within 250 ms of the kill",
                    events => On.Within(events, e => e.Kind == EventKind.Sent && e.Actor == Operator, On.Kind(EventKind.EndOfStream, "probe"), TimeSpan.FromMilliseconds(250))),
                Expect.Event("raw: the first send after the kill succeeds (probe send #2)", On.Sent("probe", 2)),
                Expect.Event("raw: the send after it fails with EPIPE, 32 (probe send #3)", On.Failed(EventKind.SendFailed, "probe", Errno.EPIPE, 3)),
                Expect.No("Redis logs nothing about the killed connections (no idle close, no output-buffer limit)", e => e.Kind is EventKind.RedisIdleClientClosed or EventKind.RedisOutputBufferLimit),
                Expect.That(
                    "Redis stayed up: INFO server's run_id is the same before and after the kill, and commandstats counts one CLIENT KILL",
                    events => events.Where(e => e.Kind == EventKind.RedisSnapshot && e.Redis?.Snapshot == "server").Select(e => e.Redis!.Field("run_id")).ToList() is [{ } before, { } after] &&
                              before == after && Snapshot(events, "commandstats") is { } stats && KillCalls(stats) == 1),
                LibraryRun.Each(
                    "every version: ConnectionFailed (Interactive; SocketClosed, or SocketFailure when its writer meets the reset first) within 1 s of the kill, ConnectionRestored (Interactive) within 2 s of the kill, and a SET succeeds after it",
                    // Not "restored after failed": the library raises the two events from different threads, and 2.8.16's
                    // ConnectionRestored can reach the handler a few ms before its ConnectionFailed.
                    run => Kill(run.Events) is { } kill &&
                           run.Of(EventKind.LibraryConnectionFailed).FirstOrDefault(e => e.Library?.ConnectionType == "Interactive" && e.At >= kill.At) is { } failed &&
                           failed.Failure is SocketFailure.EndOfStream or SocketFailure.ConnectionReset && failed.At - kill.At <= TimeSpan.FromSeconds(1) &&
                           run.Of(EventKind.LibraryConnectionRestored).FirstOrDefault(e => e.Library?.ConnectionType == "Interactive" && e.At > kill.At) is { } restored &&
                           restored.At - kill.At <= Reconnect && run.Of(EventKind.CommandSucceeded).Any(e => e.At > restored.At)),
                Expect.FirstDisconnect(Side.Redis, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            $"every connection named; the operator finds the stuck one ('{Batch}') in CLIENT LIST and runs CLIENT KILL ID: only that connection reads EOF; the idle raw client, the SETs and every version's connection carry on for 1 s without a failure",
            Watch,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.Event($"the stuck '{Batch}' connection reads EOF", On.Kind(EventKind.EndOfStream, Batch)),
                Expect.No("the application's raw client is not closed", e => e.Actor == "probe" && e.Kind is EventKind.EndOfStream or EventKind.ReceiveFailed or EventKind.SendFailed),
                Expect.No("no version raises ConnectionFailed", On.Kind(EventKind.LibraryConnectionFailed)),
                Expect.No("no SET fails", On.Kind(EventKind.CommandFailed)),
                Expect.That(
                    "INFO commandstats counts one CLIENT KILL",
                    events => Snapshot(events, "commandstats") is { } stats && KillCalls(stats) == 1),
                LibraryRun.Each("every version: a SET succeeds after the kill", run => Kill(run.Events) is { } kill && run.Of(EventKind.CommandSucceeded).Any(e => e.At > kill.At)),
            ]))
    {
        // Redis writes nothing of its own here, and the library's "SocketClosed" is redis-crash-restart's signature too:
        // explain should send that line to the crash first, the commoner cause.
        Produces = [Signature.Fails(Side.Client, SocketFailure.BrokenPipe, Errno.EPIPE)],
    };

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);

        // The application: a raw client idle after one PING, and StackExchange.Redis (each version) with a SET every 200 ms.
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe", cancellationToken: ct))!;
        await probe.SendAsync("CLIENT", "SETNAME", "app-probe");
        await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
        var clients = await SeRedisClient.ConnectEachAsync(lab, redis.Endpoint, new SeRedisOptions { Configuration = "name=app" }, cancellationToken: ct);
        var loops = clients.Select(c => (Client: c, Loop: c.StartLoop(new SeRedisLoop("SET", ["k", "v"], SeRedisCallMode.Async, Rhythm, 100)))).ToList();
        await Task.WhenAll(clients.Select(c => lab.Timeline.WaitForAsync(EventKind.CommandSucceeded, TimeSpan.FromSeconds(5), Side.Client, c.Name, ct)));

        // The stuck client the operator is after: a named connection that sits in a blocking pop.
        var batch = (await RespProbe.ConnectAsync(lab, redis.Endpoint, Batch, cancellationToken: ct))!;
        await batch.SendAsync("CLIENT", "SETNAME", Batch);
        await batch.ReadReplyAsync(TimeSpan.FromSeconds(2));
        await batch.SendAsync("BLPOP", "jobs", "0");

        await redis.SnapshotAsync("server", "uptime_in_seconds", "run_id");
        var op = (await RespProbe.ConnectAsync(lab, redis.Endpoint, Operator, cancellationToken: ct))!;
        if (broken)
        {
            await op.SendAsync("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
        }
        else
        {
            await op.SendAsync("CLIENT", "LIST");
            var list = (await op.ReadReplyAsync(TimeSpan.FromSeconds(2))).Value as string ?? "";
            var id = ClientId(list, Batch) ?? throw new InvalidOperationException($"CLIENT LIST shows no connection named {Batch}");
            await op.SendAsync("CLIENT", "KILL", "ID", id);
        }
        await op.ReadReplyAsync(TimeSpan.FromSeconds(2));
        await batch.ReadReplyAsync(TimeSpan.FromSeconds(2)); // the blocked pop ends with EOF: its connection was killed

        if (broken)
        {
            await probe.ReadReplyAsync(TimeSpan.FromSeconds(2)); // EOF
            await probe.SendAsync("PING"); // succeeds: the closed socket answers with an RST
            await probe.SendAsync("PING"); // EPIPE
            var kill = Kill(lab.Timeline.Snapshot())!;
            // Each version's reconnect, then a SET after it (what the check asks).
            await Task.WhenAll(clients.Select(async c =>
            {
                var restored = await lab.Timeline.WaitForAsync(
                    e => e.Kind == EventKind.LibraryConnectionRestored && e.Actor == c.Name && e.At > kill.At, TimeSpan.FromSeconds(5), $"the reconnect [{c.Name}]", ct);
                await lab.Timeline.WaitForAsync(
                    e => e.Kind == EventKind.CommandSucceeded && e.Actor == c.Name && e.At > restored.At, TimeSpan.FromSeconds(5), $"a SET after the reconnect [{c.Name}]", ct);
            }));
        }
        else
        {
            await lab.IdleAsync(Watch, "the application carries on; any failure would show now", ct);
            await probe.SendAsync("PING");
            await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
        }
        await redis.SnapshotAsync("server", "uptime_in_seconds", "run_id");
        await redis.SnapshotAsync("commandstats", "cmdstat_client|kill");
        foreach (var (client, loop) in loops) client.Stop(loop.Handle);
    }

    /// <summary>The id= of the connection named <paramref name="name"/> in a CLIENT LIST reply.</summary>
    private static string? ClientId(string clientList, string name) =>
        clientList.Split('\n').FirstOrDefault(l => l.Contains($" name={name} ", StringComparison.Ordinal)) is { } line && IdField().Match(line) is { Success: true } m
            ? m.Groups[1].Value
            : null;

    private static LabEvent? Kill(IReadOnlyList<LabEvent> events) => events.LastOrDefault(e => e.Kind == EventKind.Sent && e.Actor == Operator);

    private static RedisObservation? Snapshot(IReadOnlyList<LabEvent> events, string section) =>
        events.LastOrDefault(e => e.Kind == EventKind.RedisSnapshot && e.Redis?.Snapshot == section)?.Redis;

    /// <summary>calls= of INFO commandstats' cmdstat_client|kill line ("calls=1,usec=4,…"), or 0 when absent.</summary>
    private static int KillCalls(RedisObservation stats) =>
        stats.Field("cmdstat_client|kill") is { } value && CallsField().Match(value) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"^id=(\d+) ")]
    private static partial Regex IdField();

    [GeneratedRegex(@"calls=(\d+)")]
    private static partial Regex CallsField();
}
