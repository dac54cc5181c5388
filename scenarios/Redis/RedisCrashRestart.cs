using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>
/// Seed 003, cause 3: redis-server crashes or is OOM-killed (kill -9) and comes back on the same port. Every
/// connection dies at once; what the application sees meanwhile depends on the library's version.
/// </summary>
internal static class RedisCrashRestart
{
    /// <summary>The app's rhythm: one SET every 200 ms (as in the ground truth's experiment).</summary>
    private static readonly TimeSpan Rhythm = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    /// <summary>After the restart: the library's reconnect (≤ 1 s) and a backlogged command's wait.</summary>
    private static readonly TimeSpan AfterRestart = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The bound on a reconnect after Redis is back: 1.2.6's heartbeat ticks every second; 2.x/3.x reconnect on an
    /// exponential policy whose next step can fall later (3.4.35 measured up to 3 s).
    /// </summary>
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(4);

    /// <summary>"At once" for ConnectionFailed: measured 17–100 ms; 3.x raises it on the thread pool, later on a busy machine.</summary>
    private static readonly TimeSpan FailedAtOnceBound = TimeSpan.FromSeconds(1);

    private const int Retries = 8;
    private const string OutageActor = "outage";

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisCrashRestart,
        "redis",
        "Redis is killed (-9) and restarted: dead sockets, refused connects, and commands that fail or wait until the library reconnects",
        Seeds.Redis,
        new Story(
            Wire: "kill -9 ends redis-server without a log line; the kernel closes its sockets with a FIN. A raw idle client reads EOF at once; its next send succeeds (the dead socket answers with an RST) and the one after fails with EPIPE; a new connect is refused until Redis is back. StackExchange.Redis raises ConnectionFailed (SocketClosed) within milliseconds in every version (1.2.6 now and then InternalFailure: a write racing the close ends in a NullReferenceException inside the library). Then the versions part: 1.2.6 fails every command at once ('No connection is available'); 2.8.16 and 3.4.35 hold commands in a backlog and run them after the restart, or fail them when they waited longer than the timeout; a command already sent when Redis died fails at once in every version. ConnectionRestored comes about a second after Redis is back.",
            Why: "The server process died (a crash, an OOM kill, a supervisor's restart); every connection dies with it. The library reconnects by itself; what the application asked for meanwhile fails (1.x) or waits (2.x/3.x) unless the application retries or chooses to fail fast.",
            Diagnose: "INFO server: a small uptime_in_seconds and a new run_id; the supervisor's record (OOMKilled, restart count); dmesg. On the client: ConnectionFailed on every connection at the same instant, then 'No connection is available' (1.x) or 'The message timed out in the backlog' (2.x/3.x).",
            Fix: "Find why it died. In the application: on 1.x retry idempotent commands with a bounded exponential backoff (250 ms doubling to 2 s); on 2.x/3.x the backlog already rides a short outage, and `BacklogPolicy.FailFast` fails at once where waiting is worse. Without persistence the restarted Redis is empty: treat it as a cache."),
        Broken: new ScenarioVariant(
            "kill -9 during a SET every 200 ms, 5 s down, restart: the raw idle client reads EOF, its second send fails with EPIPE, a new connect is refused; every version raises ConnectionFailed (Interactive) at once; 1.2.6 fails the commands during the outage at once, 2.8.16 and 3.4.35 hold them and run some after the restart; ConnectionRestored within 4 s of Redis answering again; the new Redis has a new run_id",
            Outage + AfterRestart,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.That(
                    "raw: the idle client's read returns EOF within 250 ms of the kill",
                    events => On.Within(events, On.Kind(EventKind.RedisKilled), On.Kind(EventKind.EndOfStream, "probe"), TimeSpan.FromMilliseconds(250))),
                Expect.Event("raw: the first send after the kill succeeds (probe send #2)", On.Sent("probe", 2)),
                Expect.Event("raw: the send after it fails with EPIPE, 32 (probe send #3)", On.Failed(EventKind.SendFailed, "probe", Errno.EPIPE, 3)),
                Expect.Event("raw: a new connect while Redis is down is refused (ECONNREFUSED, 111)", new EventPattern(Side.Client, EventKind.RequestFailed) { Failure = SocketFailure.Refused, Errno = Errno.ECONNREFUSED, Actor = "probe-2" }),
                LibraryRun.Each(
                    "every version: ConnectionFailed (Interactive; SocketClosed, SocketFailure when its writer meets the reset first, on 2.x/3.x UnableToConnect when its first reconnect is refused, on 1.2.6 InternalFailure when its writer races the close into a NullReferenceException) within 1 s of the kill",
                    run => Kill(run.Events) is { } kill && run.Of(EventKind.LibraryConnectionFailed).FirstOrDefault(e => e.Library?.ConnectionType == "Interactive" && e.At >= kill.At) is { } failed &&
                           (failed.Failure is SocketFailure.EndOfStream or SocketFailure.ConnectionReset or SocketFailure.Refused ||
                            (run.Version == SeRedisVersion.V1_2_6 && failed.Library?.FailureType == "InternalFailure")) &&
                           failed.At - kill.At <= FailedAtOnceBound),
                LibraryRun.Each(
                    "1.2.6: at least 10 commands fail at once during the outage (no timeout); 2.8.16/3.4.35: none issued after the kill does (one already sent when Redis died fails with SocketClosed), and a command issued during the outage succeeds after the restart",
                    run => run.Version.HasBacklog()
                        ? !DuringOutage(run).Any(e => FailedAtOnce(e) && Kill(run.Events) is { } kill && e.At - e.Library!.Latency >= kill.At) && run.Of(EventKind.CommandSucceeded).Any(e => Restart(run.Events) is { } r && e.At > r.At && e.At - e.Library!.Latency < r.At)
                        : DuringOutage(run).Count(FailedAtOnce) >= 10),
                LibraryRun.Each(
                    "every version: ConnectionRestored (Interactive) within 4 s of Redis answering again, and a SET succeeds after it",
                    run => Restart(run.Events) is { } restart && Back(run.Events) is { } back &&
                           run.Of(EventKind.LibraryConnectionRestored).FirstOrDefault(e => e.At > restart.At && e.Library?.ConnectionType == "Interactive") is { } restored &&
                           restored.At - back.At <= Reconnect && run.Of(EventKind.CommandSucceeded).Any(e => e.At > restored.At)),
                Expect.That(
                    "INFO server after the restart: uptime_in_seconds is 0 or 1 and run_id is not the one before the kill",
                    events => Restart(events) is { } restart && Snapshots(events) is [var before, ..] && before.At < restart.At &&
                              Snapshots(events).FirstOrDefault(e => e.At > restart.At) is { } after &&
                              Uptime(after) is <= 1 && RunId(before) is { } old && RunId(after) is { } now && old != now),
                Expect.FirstDisconnect(Side.Redis, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            $"each SET retried with exponential backoff (250 ms → 2 s, {Retries} retries): through a 5 s outage no SET fails in any version; ConnectionRestored within 4 s of Redis answering again",
            Outage + AfterRestart,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.No("no SET fails (the outage costs only retries or backlog time)", On.Kind(EventKind.CommandFailed)),
                LibraryRun.Each(
                    "every version: the SETs issued during the outage succeed after the restart",
                    run => Restart(run.Events) is { } restart && run.Of(EventKind.CommandSucceeded).Any(e => e.At > restart.At && e.At - e.Library!.Latency < restart.At)),
                LibraryRun.Each(
                    "every version: ConnectionRestored (Interactive) within 4 s of Redis answering again",
                    run => Restart(run.Events) is { } restart && Back(run.Events) is { } back &&
                           run.Of(EventKind.LibraryConnectionRestored).Any(e => e.At > restart.At && e.At - back.At <= Reconnect && e.Library?.ConnectionType == "Interactive")),
            ]))
    {
        Produces = [Signature.Logs("No connection is available to service this operation", SeRedisVersion.V1_2_6), Signature.Logs("SocketClosed on"), Signature.Fails(Side.Client, SocketFailure.BrokenPipe, Errno.EPIPE), Signature.Fails(Side.Client, SocketFailure.Refused, Errno.ECONNREFUSED)],
        Timeout = TimeSpan.FromMinutes(1),
    };

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);

        // A raw client, idle after one PING: what any connection sees when the server dies under it.
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe", cancellationToken: ct))!;
        await probe.SendAsync("PING");
        await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));

        var clients = await SeRedisClient.ConnectEachAsync(lab, redis.Endpoint, cancellationToken: ct);
        await redis.SnapshotAsync("server", "run_id", "uptime_in_seconds");
        var loops = clients.Select(c => (Client: c, Loop: c.StartLoop(new SeRedisLoop("SET", ["k", "v"], SeRedisCallMode.Async, Rhythm, 200) { Retries = broken ? 0 : Retries }))).ToList();
        await Task.WhenAll(clients.Select(c => lab.Timeline.WaitForAsync(EventKind.CommandSucceeded, TimeSpan.FromSeconds(5), Side.Client, c.Name, ct)));

        var eof = probe.ReadReplyAsync(TimeSpan.FromSeconds(5));
        var killed = await KillAsync(lab, redis, ct);
        await eof;
        await probe.SendAsync("PING"); // succeeds: the bytes go out, the dead socket answers with a RST
        await probe.SendAsync("PING"); // EPIPE
        await probe.CloseAsync();
        await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe-2", cancellationToken: ct); // nothing listens: refused

        var left = Outage - (lab.Timeline.Now - killed.At);
        if (left > TimeSpan.Zero) await Task.Delay(left, ct); // the outage: how long Redis stays down is the point, not a guess
        var restart = lab.Timeline.Note(Side.Lab, $"outage over after {(lab.Timeline.Now - killed.At).TotalSeconds:0.0} s: redis-server starts again on the same port", OutageActor);
        await redis.RestartAsync(ct);
        await redis.SnapshotAsync("server", "run_id", "uptime_in_seconds");
        var restored = await Task.WhenAll(clients.Select(c => lab.Timeline.WaitForAsync(
            e => e.Kind == EventKind.LibraryConnectionRestored && e.Actor == c.Name && e.At > restart.At && e.Library?.ConnectionType == "Interactive",
            TimeSpan.FromSeconds(5),
            $"ConnectionRestored (Interactive) after the restart [{c.Name}]",
            ct)));
        // The backlogged and retried commands drain. Fixed: a SET issued while Redis was down succeeds (a retry waits up
        // to 2 s for its next attempt). Broken: a SET succeeds after the restore, as the check asks (a backlogged SET
        // can complete before the restore is recorded, on another thread). Then the app stops.
        await Task.WhenAll(clients.Select((c, i) => lab.Timeline.WaitForAsync(
            e => e.Kind == EventKind.CommandSucceeded && e.Actor == c.Name && e.At > (broken ? restored[i].At : restart.At) && (broken || e.At - e.Library!.Latency < restart.At),
            TimeSpan.FromSeconds(5),
            $"a SET that succeeds after the restart [{c.Name}]",
            ct)));
        foreach (var (client, loop) in loops) client.Stop(loop.Handle);
    }

    private static async Task<LabEvent> KillAsync(LabSandbox lab, RedisServer redis, CancellationToken ct)
    {
        var before = lab.Timeline.Now;
        await redis.KillAsync(ct);
        return await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.RedisKilled && e.At >= before, TimeSpan.FromSeconds(1), "the kill", ct);
    }

    // Timeline queries for the checks.

    private static LabEvent? Kill(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(On.Kind(EventKind.RedisKilled));

    private static LabEvent? Restart(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(e => e.Kind == EventKind.Note && e.Actor == OutageActor);

    /// <summary>
    /// Redis answering PING again after the restart: the reconnect is measured from here, not from the restart's start (a
    /// container's restart takes about a second, a process's a few ms). A client may connect a moment before the PING.
    /// </summary>
    private static LabEvent? Back(IReadOnlyList<LabEvent> events) =>
        Restart(events) is { } restart ? events.FirstOrDefault(e => e.Kind == EventKind.PartStarted && e.Actor == "redis" && e.At > restart.At) : null;

    /// <summary>A client's command outcomes recorded between the kill and the restart.</summary>
    private static IEnumerable<LabEvent> DuringOutage(LibraryRun run) =>
        Kill(run.Events) is { } kill && Restart(run.Events) is { } restart
            ? run.Mine.Where(e => e.Kind is EventKind.CommandFailed or EventKind.CommandSucceeded && e.At > kill.At && e.At <= restart.At)
            : [];

    private static bool FailedAtOnce(LabEvent e) =>
        e.Kind == EventKind.CommandFailed && e.Failure != SocketFailure.TimedOut && e.Library?.Latency < TimeSpan.FromMilliseconds(100);

    private static List<LabEvent> Snapshots(IReadOnlyList<LabEvent> events) => [.. events.Where(On.Kind(EventKind.RedisSnapshot))];

    private static long? Uptime(LabEvent snapshot) => snapshot.Redis?.Number("uptime_in_seconds");

    private static string? RunId(LabEvent snapshot) => snapshot.Redis?.Field("run_id");

}
