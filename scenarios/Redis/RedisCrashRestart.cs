using System.Diagnostics;
using System.Text.RegularExpressions;
using BrokenPipe.Lab.Parts.Redis;
using Polly;
using Polly.Retry;
using StackExchange.Redis;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>
/// Seed 003, cause 3: redis-server crashes or is OOM-killed (kill -9) and comes back on the same port. Every
/// connection dies at once; commands fail until the library reconnects — unless the application retries them.
/// </summary>
internal static class RedisCrashRestart
{
    /// <summary>The app's rhythm: one SET+GET every 200 ms (as in the ground truth's experiment).</summary>
    private static readonly TimeSpan Rhythm = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan ShortOutage = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LongOutage = TimeSpan.FromSeconds(15);

    /// <summary>The retry pipeline's longest wait: 250 + 500 + 1000 + 5 × 2000 ms.</summary>
    private static readonly TimeSpan RetryBudget = TimeSpan.FromMilliseconds(250 + 500 + 1000 + 5 * 2000);

    private const int MaxRetries = 8;

    /// <summary>
    /// The library reconnects only on its heartbeat, a 1 s timer started while it connects (its connect log says
    /// when: a note on the timeline). The app's rhythm starts this long after it, so that the app's operations fall
    /// between ticks, not on them (an operation on a tick races the reconnect).
    /// </summary>
    private static readonly TimeSpan AppPhase = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Fixed: the kill comes after two operations, 0.25 s into the library's heartbeat second. The operation it catches
    /// starts one rhythm step later and retries 5.75 s after that — after the reconnect at the library's 6th tick. A kill
    /// right after the first operation would put that retry on the tick itself (a race), and on a miss the operation would
    /// sit out one more 2 s step.
    /// </summary>
    private const int OpsBeforeFixedKill = 2;

    /// <summary>
    /// Broken: what the run must sit out — the 5 s outage, then the library's reconnect on its next heartbeat tick: the
    /// kill comes with the app's first operation, 50 ms into the library's first heartbeat second, so Redis is back
    /// 5.05 s later and the reconnect is at the 6th tick, 6 s after the library connected.
    /// </summary>
    private static readonly TimeSpan BrokenWait = ShortOutage + SeRedisClient.Heartbeat;

    /// <summary>
    /// Fixed: what the run must sit out is the retry pipeline's own schedule around the two outages: the operation caught
    /// by the 5 s outage succeeds at its 5th retry (5.75 s of backoff); the one caught by the 15 s outage gives up after
    /// the whole budget (11.75 s), and the next one succeeds at its 4th retry (3.75 s), the first after Redis is back and
    /// the library reconnected; plus the app's rhythm step before each of these three operations and the kill's place in
    /// the library's heartbeat second (see <see cref="OpsBeforeFixedKill"/>).
    /// </summary>
    private static readonly TimeSpan FixedWait =
        TimeSpan.FromMilliseconds(250 + 500 + 1000 + 2000 + 2000) + RetryBudget + TimeSpan.FromMilliseconds(250 + 500 + 1000 + 2000) +
        3 * Rhythm + (AppPhase + (OpsBeforeFixedKill - 1) * Rhythm);

    /// <summary>A bound on the app loop, whatever happens: 80 s of operations at the rhythm.</summary>
    private const int MaxOps = 400;

    private const string Library = "se-redis";
    private const string Retry = "polly";
    private const string Outage = "outage";
    private const string NoConnection = "No connection is available to service this operation";

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisCrashRestart,
        "redis",
        "Redis is killed (-9) and restarted: dead sockets, refused connects, and commands that fail until they are retried",
        Seeds.Redis,
        new Story(
            Wire: "kill -9 (a crash, an OOM kill) ends redis-server without a line in its log, and the kernel closes every socket it had with a FIN. A raw client idle on its connection reads EOF at once; its next send succeeds (the dead socket answers it with a RST) and the send after that fails with EPIPE (32); a new connect is refused (ECONNREFUSED, 111) until Redis is back. StackExchange.Redis 1.2.6 raises ConnectionFailed (SocketClosed) for both of its connections, Interactive and Subscription, within a few tens of milliseconds (2–50 ms here). While Redis is down every command fails at once with RedisConnectionException 'No connection is available to service this operation' — it does not wait for syncTimeout. The library reconnects only on its heartbeat, a 1 s timer it starts while connecting (its connect log says 'Starting heartbeat...'): ConnectionRestored comes at the first tick after Redis is back, and only then — here the kill comes 50 ms after a tick and Redis is back 5.05 s later, so the reconnect waits ≈0.95 s for the 6th tick. The new Redis reports uptime_in_seconds 0 and a new run_id, and without persistence it has none of the old keys.",
            Why: "The Redis guide's cause 3: the server process died — it crashed, the kernel or a container limit OOM-killed it, or a supervisor or failover restarted it. Every connection dies with it, at the same moment. The library reconnects by itself, but what the application asked for during the outage fails unless the application retries it.",
            Diagnose: "INFO server: a small uptime_in_seconds and a changed run_id. The supervisor's record: docker inspect (RestartCount, State.OOMKilled), kubectl describe pod (Last State: Terminated, Reason: OOMKilled, RESTARTS); dmesg 'Out of memory: Killed process … (redis-server)'. Redis's own log has no shutdown line before the new startup banner. On the client: ConnectionFailed on every connection at the same instant, then 'No connection is available' for every command until ConnectionRestored; new connects refused meanwhile.",
            Fix: "Find why it died (memory: a maxmemory below the container's limit, with an eviction policy). In the application, retry connection failures with a bounded exponential backoff — Polly: 250 ms doubling to 2 s, 8 retries, 11.75 s at most — and let the library's own reconnect bring the connection back. The bound is the limit of the fix: an outage longer than the retry budget still fails, after the whole budget. Retry only idempotent commands (SET of the same value, GET): an INCR or LPUSH whose reply was lost may already have been applied, and retrying it applies it twice. Without persistence the restarted Redis is empty: treat it as a cache."),
        Broken: new ScenarioVariant(
            "kill -9 during SET+GET every 200 ms, 5 s down, restart: the raw idle client reads EOF, its first send succeeds and its second fails with EPIPE (32), a new connect is refused (111); StackExchange.Redis raises ConnectionFailed (SocketClosed) on Interactive and Subscription within 250 ms, every command during the outage fails at once with 'No connection is available', ConnectionRestored within 2 s of the restart; the new Redis has uptime 0–1 s and a new run_id; Redis disconnects first",
            BrokenWait,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.That(
                    "raw: the idle client's read returns EOF within 250 ms of the kill",
                    events => On.Within(events, On.Kind(EventKind.RedisKilled), On.Kind(EventKind.EndOfStream, "probe"), TimeSpan.FromMilliseconds(250))),
                Expect.Event("raw: the first send after the kill succeeds (probe send #2)", On.Sent("probe", 2)),
                Expect.Event("raw: the send after it fails with EPIPE, 32 (probe send #3)", On.Failed(EventKind.SendFailed, "probe", Errno.EPIPE, 3)),
                Expect.Event("raw: a new connect while Redis is down is refused (ECONNREFUSED, 111)", Side.Client, EventKind.RequestFailed, SocketFailure.Refused, Errno.ECONNREFUSED, "probe-2"),
                Expect.That(
                    "StackExchange.Redis: ConnectionFailed (Interactive, SocketClosed — or SocketFailure when its writer meets the reset first) within 250 ms of the kill",
                    events => FailedWithin(events, 1, "Interactive", TimeSpan.FromMilliseconds(250))),
                Expect.That(
                    "StackExchange.Redis: ConnectionFailed (Subscription, SocketClosed or SocketFailure) within 250 ms of the kill",
                    events => FailedWithin(events, 1, "Subscription", TimeSpan.FromMilliseconds(250))),
                Expect.That(
                    "StackExchange.Redis: commands during the outage fail at once with 'No connection is available' (at least 10 in 5 s at 200 ms; waiting for syncTimeout would allow one)",
                    events => Between(events, Kill(events, 1), Restart(events, 1))
                        .Count(e => e.Kind == EventKind.CommandFailed && e.Actor == Library && e.Detail.Contains(NoConnection, StringComparison.Ordinal)) >= 10),
                Expect.That(
                    "StackExchange.Redis: ConnectionRestored (Interactive and Subscription) within 2 s of the restart (its 1 s heartbeat reconnects)",
                    events => RestoredWithin(events, 1, "Interactive", TimeSpan.FromSeconds(2)) && RestoredWithin(events, 1, "Subscription", TimeSpan.FromSeconds(2))),
                Expect.That(
                    "INFO server after the restart: uptime_in_seconds is 0 or 1 and run_id is not the one before the kill",
                    events => Restart(events, 1) is { } restart && Snapshots(events) is [var before, ..] && before.At < restart.At &&
                              Snapshots(events).FirstOrDefault(e => e.At > restart.At) is { } after &&
                              Uptime(after) is <= 1 && RunId(before) is { } old && RunId(after) is { } now && old != now),
                Expect.That(
                    "the app's SET+GET succeeds again after ConnectionRestored",
                    events => Restored(events, 1, "Interactive") is { } restored && events.Any(e => e.Kind == EventKind.CommandSucceeded && e.Actor == Library && e.At > restored.At)),
                Expect.FirstDisconnect(Side.Redis, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "each SET+GET through a Polly retry (exponential 250 ms → 2 s, 8 retries, 11.75 s at most): through a 5 s outage every operation succeeds, the one caught by the kill after 5–6 retries; the limit of the fix: through a 15 s outage one operation gives up after 8 retries and ≈11.75 s, and the next ones succeed after the restart",
            FixedWait,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.That(
                    "5 s outage: no operation fails — the kill, the outage and the restart cost only retries",
                    events => Kill(events, 2) is { } second && !events.Any(e => e.Kind == EventKind.CommandFailed && e.At < second.At)),
                Expect.That(
                    "5 s outage: the operation caught by the kill succeeds after 5–6 retries (3.75 s of backoff cannot span 5 s; 5.75 s can) and within the 11.75 s budget",
                    events => CaughtOp(events, 1) is { Kind: EventKind.CommandSucceeded } op && RetriesOf(events, op) is >= 5 and <= 6 &&
                              OpDuration(events, op) is { } took && took <= RetryBudget + TimeSpan.FromSeconds(1)),
                Expect.That(
                    "StackExchange.Redis: ConnectionRestored (Interactive) within 2 s of each restart — the retries only bridge the gap until the library's reconnect",
                    events => RestoredWithin(events, 1, "Interactive", TimeSpan.FromSeconds(2)) && RestoredWithin(events, 2, "Interactive", TimeSpan.FromSeconds(2))),
                Expect.That(
                    $"the limit, 15 s outage: an operation gives up after {MaxRetries} retries and ≈11.75 s ('{NoConnection}')",
                    events => CaughtOp(events, 2) is { Kind: EventKind.CommandFailed } op && op.Detail.Contains(NoConnection, StringComparison.Ordinal) &&
                              RetriesOf(events, op) == MaxRetries &&
                              OpDuration(events, op) is { } took && took >= RetryBudget - TimeSpan.FromMilliseconds(50) && took <= RetryBudget + TimeSpan.FromSeconds(1)),
                Expect.That(
                    "after the 15 s outage the operations succeed again",
                    events => Restart(events, 2) is { } restart && events.Any(e => e.Kind == EventKind.CommandSucceeded && e.Actor == Library && e.At > restart.At)),
            ]))
    {
        Produces = [Signature.Logs("No connection is available to service this operation"), Signature.Fails(Side.Client, SocketFailure.BrokenPipe, Errno.EPIPE), Signature.Fails(Side.Client, SocketFailure.Refused, Errno.ECONNREFUSED)],
        // Broken ≈ 6 s, fixed ≈ 22 s; the bound leaves room for a slow machine.
        Timeout = TimeSpan.FromMinutes(2),
    };

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);

        // A raw client, idle after one PING: what any connection sees when the server dies under it.
        RespProbe? probe = null;
        if (broken)
        {
            probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe", cancellationToken: ct))!;
            await probe.SendAsync("PING");
            await probe.ReadAsync(TimeSpan.FromSeconds(2));
        }

        var client = await SeRedisClient.ConnectAsync(lab, redis.Endpoint, name: Library);
        await redis.SnapshotAsync("server", "run_id", "uptime_in_seconds");

        // The app's rhythm starts just after a tick of the library's heartbeat (see AppPhase).
        var heartbeat = lab.Timeline.Snapshot().FirstOrDefault(SeRedisClient.IsHeartbeatStart)?.At ?? lab.Timeline.Now;
        var phase = heartbeat + AppPhase - lab.Timeline.Now;
        if (phase > TimeSpan.Zero) await Task.Delay(phase, ct); // a place in the library's 1 s heartbeat, not a guess

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var app = broken ? LoopAsync((op, _) => client.RunAsync("SET+GET", db => SetGetAsync(db, op)), stop.Token) : RetryingAppAsync(lab, client, stop.Token);
        try
        {
            await SucceededAsync(lab, TimeSpan.Zero, broken ? 1 : OpsBeforeFixedKill, ct);

            // Outage 1: the raw client's read is already pending when the server dies.
            var eof = probe?.ReadAsync(TimeSpan.FromSeconds(5));
            var killed = await KillAsync(lab, redis, ct);
            if (probe is not null)
            {
                await eof!;
                await probe.SendAsync("PING"); // succeeds: the bytes go out, the dead socket answers with a RST
                await probe.SendAsync("PING"); // EPIPE
                await probe.CloseAsync();
                await RespProbe.ConnectAsync(lab, redis.Endpoint, "probe-2", cancellationToken: ct); // nothing listens: refused
            }
            var restored = await RestartAsync(lab, redis, 1, killed, ShortOutage, ct);
            // The app runs again: the operation caught by the kill (fixed: at its 5th retry) or the next one (broken).
            await SucceededAsync(lab, restored.At, 1, ct);
            if (broken) return;

            // Outage 2, longer than the retry budget: the limit of the fix.
            killed = await KillAsync(lab, redis, ct);
            restored = await RestartAsync(lab, redis, 2, killed, LongOutage, ct);
            await SucceededAsync(lab, restored.At, 1, ct);
        }
        finally
        {
            await stop.CancelAsync();
            await app;
        }
    }

    /// <summary>The fixed app: every SET+GET through the retry pipeline; one success or one failure recorded per operation.</summary>
    private static Task RetryingAppAsync(LabSandbox lab, SeRedisClient client, CancellationToken stop)
    {
        var current = 0;
        var retries = 0;
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RedisConnectionException>().Handle<RedisTimeoutException>(),
                MaxRetryAttempts = MaxRetries,
                Delay = TimeSpan.FromMilliseconds(250),
                BackoffType = DelayBackoffType.Exponential,
                MaxDelay = TimeSpan.FromSeconds(2),
                UseJitter = false,
                OnRetry = args =>
                {
                    retries = args.AttemptNumber + 1;
                    lab.Timeline.Record(
                        Side.Client,
                        EventKind.Note,
                        $"op #{current}: retry {retries} after {args.RetryDelay.TotalMilliseconds:0} ms due to {Short(args.Outcome.Exception)}",
                        actor: Retry,
                        index: current);
                    return default;
                },
            })
            .Build();

        return LoopAsync(
            async (op, token) =>
            {
                current = op;
                retries = 0;
                var clock = Stopwatch.StartNew();
                try
                {
                    await pipeline.ExecuteAsync(async _ => await SetGetAsync(client.Database, op), token);
                    lab.Timeline.Record(Side.Client, EventKind.CommandSucceeded, $"op #{op} SET+GET OK after {retries} retries in {clock.Elapsed.TotalMilliseconds:0} ms", actor: Library, index: op);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    // The pipeline gave up: this is the app's failure.
                    lab.Timeline.Record(
                        Side.Client,
                        EventKind.CommandFailed,
                        $"op #{op} gave up after {retries} retries in {clock.Elapsed.TotalMilliseconds:0} ms: {e.GetType().Name}: {e.Message}",
                        Failure(e),
                        actor: Library,
                        index: op);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // The scenario is over.
                }
            },
            stop);
    }

    /// <summary>Runs operations at the app's rhythm until stopped, at most <see cref="MaxOps"/>.</summary>
    private static async Task LoopAsync(Func<int, CancellationToken, Task> operation, CancellationToken stop)
    {
        for (var op = 1; op <= MaxOps && !stop.IsCancellationRequested; op++)
        {
            await operation(op, stop);
            try
            {
                await Task.Delay(Rhythm, stop); // the app's rhythm is part of the story: how many commands an outage hits
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>An idempotent operation: SET of this operation's value, then GET of it.</summary>
    private static async Task SetGetAsync(IDatabase db, int op)
    {
        var value = $"v{op}";
        await db.StringSetAsync("k", value);
        var read = await db.StringGetAsync("k");
        if (read != value) throw new InvalidOperationException($"GET k returned {read}, not {value}");
    }

    private static async Task<LabEvent> KillAsync(LabSandbox lab, RedisServer redis, CancellationToken ct)
    {
        var before = lab.Timeline.Now;
        await redis.KillAsync(ct);
        return await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.RedisKilled && e.At >= before, TimeSpan.FromSeconds(1), "the kill", ct);
    }

    /// <summary>Waits out the outage, restarts Redis on the same port, and returns the library's ConnectionRestored.</summary>
    private static async Task<LabEvent> RestartAsync(LabSandbox lab, RedisServer redis, int n, LabEvent killed, TimeSpan outage, CancellationToken ct)
    {
        var left = outage - (lab.Timeline.Now - killed.At);
        if (left > TimeSpan.Zero) await Task.Delay(left, ct); // the outage: how long Redis stays down is the point, not a guess
        var restart = lab.Timeline.Record(Side.Lab, EventKind.Note, $"outage #{n} over after {(lab.Timeline.Now - killed.At).TotalSeconds:0.0} s: redis-server starts again on the same port", actor: Outage, index: n);
        await redis.RestartAsync(ct);
        // What an operator sees first: a new run_id and an uptime of zero, while the app has run for longer.
        await redis.SnapshotAsync("server", "run_id", "uptime_in_seconds");
        // The library's heartbeat (1 s) finds the new server; the checks hold it to 2 s.
        return await lab.Timeline.WaitForAsync(
            e => e.Kind == EventKind.LibraryConnectionRestored && e.At > restart.At && e.Detail.Contains("Interactive", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5),
            "StackExchange.Redis's ConnectionRestored (Interactive) after the restart",
            ct);
    }

    /// <summary>Waits for <paramref name="count"/> app operations to succeed after <paramref name="after"/>.</summary>
    private static async Task SucceededAsync(LabSandbox lab, TimeSpan after, int count, CancellationToken ct)
    {
        var first = await lab.Timeline.WaitForAsync(
            e => e.Kind == EventKind.CommandSucceeded && e.Actor == Library && e.At > after,
            // The operation caught by an outage may sit out one more 2 s backoff step after the restore.
            TimeSpan.FromSeconds(5),
            "an app operation that succeeds",
            ct);
        await lab.Timeline.WaitForAsync(
            e => e.Kind == EventKind.CommandSucceeded && e.Actor == Library && e.Index >= first.Index + count - 1,
            TimeSpan.FromSeconds(5),
            $"{count} app operations that succeed",
            ct);
    }

    // Timeline queries for the checks.

    private static LabEvent? Kill(IReadOnlyList<LabEvent> events, int n) => events.Where(On.Kind(EventKind.RedisKilled)).ElementAtOrDefault(n - 1);

    private static LabEvent? Restart(IReadOnlyList<LabEvent> events, int n) => events.FirstOrDefault(e => e.Kind == EventKind.Note && e.Actor == Outage && e.Index == n);

    private static IEnumerable<LabEvent> Between(IReadOnlyList<LabEvent> events, LabEvent? from, LabEvent? to) =>
        from is null || to is null ? [] : events.Where(e => e.At >= from.At && e.At <= to.At);

    private static LabEvent? Restored(IReadOnlyList<LabEvent> events, int n, string connection) =>
        Restart(events, n) is { } restart
            ? events.FirstOrDefault(e => e.Kind == EventKind.LibraryConnectionRestored && e.At > restart.At && e.Detail.Contains(connection, StringComparison.Ordinal))
            : null;

    private static bool RestoredWithin(IReadOnlyList<LabEvent> events, int n, string connection, TimeSpan max) =>
        Restart(events, n) is { } restart && Restored(events, n, connection) is { } restored && restored.At - restart.At <= max;

    private static bool FailedWithin(IReadOnlyList<LabEvent> events, int n, string connection, TimeSpan max) =>
        Kill(events, n) is { } kill &&
        events.FirstOrDefault(e => e.Kind == EventKind.LibraryConnectionFailed && e.At >= kill.At && (e.Detail.Contains($"{connection} SocketClosed", StringComparison.Ordinal) || e.Detail.Contains($"{connection} SocketFailure", StringComparison.Ordinal))) is { } failed &&
        failed.At - kill.At <= max;

    /// <summary>The outcome of the first operation that had to retry after kill <paramref name="n"/>.</summary>
    private static LabEvent? CaughtOp(IReadOnlyList<LabEvent> events, int n)
    {
        if (Kill(events, n) is not { } kill) return null;
        var retry = events.FirstOrDefault(e => e.Kind == EventKind.Note && e.Actor == Retry && e.At >= kill.At);
        return retry is null ? null : events.FirstOrDefault(e => e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed && e.Actor == Library && e.Index == retry.Index);
    }

    private static int RetriesOf(IReadOnlyList<LabEvent> events, LabEvent op) => events.Count(e => e.Kind == EventKind.Note && e.Actor == Retry && e.Index == op.Index);

    /// <summary>From the operation's first retry (its first attempt failed just before) to its outcome.</summary>
    private static TimeSpan? OpDuration(IReadOnlyList<LabEvent> events, LabEvent op) =>
        events.FirstOrDefault(e => e.Kind == EventKind.Note && e.Actor == Retry && e.Index == op.Index) is { } first ? op.At - first.At : null;

    private static List<LabEvent> Snapshots(IReadOnlyList<LabEvent> events) => [.. events.Where(On.Kind(EventKind.RedisSnapshot))];

    private static int? Uptime(LabEvent snapshot) =>
        Regex.Match(snapshot.Detail, @"uptime_in_seconds:(\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    private static string? RunId(LabEvent snapshot) =>
        Regex.Match(snapshot.Detail, "run_id:([0-9a-f]+)") is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The exception's type and the first clause of its message (StackExchange.Redis appends a long state dump).</summary>
    private static string Short(Exception? e)
    {
        if (e is null) return "no exception";
        var message = e.Message;
        var cut = message.IndexOf(';', StringComparison.Ordinal);
        return $"{e.GetType().Name}: {(cut > 0 ? message[..cut] : message)}";
    }

    private static SocketFailure? Failure(Exception e) => e switch
    {
        RedisTimeoutException or TimeoutException => SocketFailure.TimedOut,
        RedisConnectionException { FailureType: ConnectionFailureType.SocketClosed } => SocketFailure.EndOfStream,
        RedisConnectionException { FailureType: ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection } => SocketFailure.Refused,
        _ => SocketFailures.Classify(e).Failure,
    };
}
