using System.Diagnostics;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Parts.Redis;
using RedisException = StackExchange.Redis.RedisException;

namespace BrokenPipe.Scenarios.Middlebox;

/// <summary>
/// Seed 003: a load balancer / NAT silently drops a Redis connection that stayed idle past its timeout. Nothing tells
/// the client: StackExchange.Redis times out command after command and never reconnects.
/// </summary>
internal static class RedisIdleDrop
{
    private const string Se = IdlePause.Library;
    private const string SeAsync = "se-redis[async]";
    private const string Probe = IdlePause.Raw;
    private const string KeepAlive = "probe+keepalive";
    private const int Commands = 3;

    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan AsyncBound = TimeSpan.FromSeconds(3.5);
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(1);

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisIdleDrop,
        "middlebox",
        "A middlebox silently drops an idle Redis connection: commands time out, and nobody notices",
        Seeds.Redis,
        new Story(
            Wire: "A load balancer or NAT forgets a flow that has been idle for 3 s and from then on discards its packets: no FIN, no RST, no error to anyone. StackExchange.Redis 1.2.6 with keepAlive=10 stays quiet through a 4 s pause and then sends its SETs into the void: each synchronous SET fails with 'RedisTimeoutException: Timeout performing SET k, inst: 1, queue: 3, qu: 0, qs: 3, … in: 0 …' after its syncTimeout (1 s by default), the queue growing (qs 3, 5, 7: the heartbeat adds its PINGs); an awaited StringSetAsync neither completes nor throws (1.2.6 applies no timeout to async commands); ConnectionFailed never fires, IsConnected stays true, and it never reconnects by itself. A raw client's PING is sent without error and its read meets silence until its own 3 s timeout. TCP keepalive (idle 1 s, interval 1 s, 2 probes) does not notice either here: the lab's middlebox is a user-space forwarder, so its kernel ACKs the probes — TCP_INFO shows an ACK within the last second, 7 s after the last reply. Through a real drop (a cloud load balancer, or a DROP rule in a network namespace: see nat-idle-drop) the probes of an idle connection would go unanswered and end it with ETIMEDOUT after 1 + 2 × 1 s; once a request is in flight unacknowledged, the kernel retransmits instead of probing, and gives up only after tcp_retries2 (~15 min) or TCP_USER_TIMEOUT.",
            Why: "Middleboxes keep a table of flows and expire idle entries (Azure Load Balancer 4 min by default, AWS NAT Gateway 350 s, conntrack-based firewalls). When the client's keep-alive is longer than that limit (StackExchange.Redis defaults to 60 s), the flow expires between two commands. Silence is the dangerous outcome: neither end learns that the connection is gone, so the client keeps waiting on it instead of reconnecting — compare redis-idle-reset, where an RST makes the client reconnect at once.",
            Diagnose: "Timeouts ('Timeout performing …' with qs growing and in: 0) only after quiet periods, while Redis is healthy and other clients are fast; IsConnected true and no ConnectionFailed. On the server, CLIENT LIST shows that connection idle since before the pause (the commands never arrived). A capture on the client shows requests leaving and nothing coming back; on the server, nothing at all.",
            Fix: "Keep every flow busier than the middlebox's idle limit: here StackExchange.Redis keepAlive=1 (a PING every 1–2 s: its 1 s heartbeat counts whole seconds since the last write) and a raw PING every 0.5 s; in production a keepAlive well below the load balancer's idle timeout, or TCP keepalive with a short idle time where the middlebox tracks keepalive packets. Also treat a run of timeouts as a dead connection and reconnect, and keep syncTimeout short so that silence is noticed at all."),
        Broken: new ScenarioVariant(
            "after 4 s idle behind a middlebox that drops flows idle for 3 s: each of 3 synchronous SETs fails with RedisTimeoutException ~1 s after the previous one, an async SET is still pending after 3.5 s, no ConnectionFailed, IsConnected stays true; the raw PING is sent and its read meets silence; so does the read of a raw client with TCP keepalive, whose probes the middlebox's kernel ACKs",
            // the idle under test, then the observation window (the async SET's bound outlasts the 3 SETs and the raw reads)
            IdlePause.Idle + AsyncBound,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.That(
                    "the middlebox starts dropping the StackExchange.Redis flow and the raw one as soon as they are used after the idle (no FIN, no RST)",
                    events => On.Within(events, IdleOver, Dropping(Se), TimeSpan.FromSeconds(0.5)) && On.Within(events, IdleOver, Dropping(Probe), TimeSpan.FromSeconds(0.5))),
                Expect.That(
                    $"each of the {Commands} SETs fails with 'RedisTimeoutException: Timeout performing SET' ~1 s (syncTimeout) after the previous one ended",
                    events => SyncFailureGaps(events) is { Count: Commands } gaps && gaps.All(g => g >= SyncTimeout * 0.95 && g <= SyncTimeout * 2)),
                Expect.Event($"the async SET is still pending after {AsyncBound.TotalSeconds:0.#} s: no answer, no exception", e => e.Kind == EventKind.Note && e.Actor == SeAsync),
                Expect.No("the async SET neither completes nor fails", e => e.Actor == SeAsync && e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed),
                Expect.No("StackExchange.Redis raises no ConnectionFailed", On.Kind(EventKind.LibraryConnectionFailed)),
                Expect.Event("IsConnected is still true after the timeouts", e => e.Kind == EventKind.Note && e.Actor == Se && e.Detail.StartsWith("IsConnected=True", StringComparison.Ordinal)),
                Expect.Event("raw: the PING after the idle is sent without error", On.Sent(Probe, 2)),
                Expect.Event("raw: its read meets silence until its own 3 s timeout (no EOF, no error)", Silence(Probe)),
                Expect.Event("raw: a later send succeeds too", On.Sent(Probe, 3)),
                Expect.Event("raw with TCP keepalive (1 s, 1 s, 2 probes): its read meets the same silence, not ETIMEDOUT", Silence(KeepAlive)),
                Expect.Event(
                    "TCP_INFO: the keepalive probes were ACKed (an ACK within 1.5 s, no data for > 5 s), the socket ESTABLISHED without error",
                    e => e.Kind == EventKind.Note && e.Actor == KeepAlive && e.Detail.StartsWith(ProbesAcked, StringComparison.Ordinal)),
                Expect.No("nobody sees a FIN or an RST", e => e.Kind is EventKind.EndOfStream or EventKind.ClosedRst || e.Errno is Errno.ECONNRESET or Errno.EPIPE),
                Expect.FirstDisconnect(Side.Middlebox, "drop"),
            ]),
        Fixed: new ScenarioVariant(
            "the same 4 s pause with keep-alives below the middlebox's 3 s (StackExchange.Redis keepAlive=1; a raw PING every 0.5 s): the middlebox drops nothing, all SETs succeed, no ConnectionFailed",
            // the pause, filled by the keep-alives
            IdlePause.Idle,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.No("the middlebox drops nothing", On.Kind(EventKind.FlowDropped)),
                Expect.That(
                    $"all {Commands} synchronous SETs and the async one succeed",
                    events => events.Count(e => e.Kind == EventKind.CommandSucceeded && e.Actor is Se or SeAsync) == Commands + 1),
                Expect.No("no command fails", On.Kind(EventKind.CommandFailed)),
                Expect.No("StackExchange.Redis raises no ConnectionFailed", On.Kind(EventKind.LibraryConnectionFailed)),
                Expect.Event("raw: every keep-alive PING and the PING after the pause are answered", e => e.Actor == Probe && e.Kind == EventKind.Received && e.Index == IdlePause.Pings + 2),
                Expect.No("raw: no read meets silence", On.Kind(EventKind.ReceiveFailed, Probe)),
            ]))
    {
        Produces = [Signature.Logs("Timeout performing"), Signature.Fails(Side.Client, SocketFailure.TimedOut)],
        Timeout = TimeSpan.FromMinutes(1),
    };

    private const string ProbesAcked = "the middlebox's kernel ACKed the keepalive probes";

    private static bool IdleOver(LabEvent e) => e.Kind == EventKind.Note && e.Actor == "idle" && e.Detail.StartsWith("idle over", StringComparison.Ordinal);

    private static Func<LabEvent, bool> Silence(string actor) =>
        e => e.Actor == actor && e.Kind == EventKind.ReceiveFailed && e.Index == 2 && e.Failure == SocketFailure.TimedOut && e.Errno is null;

    private static Func<LabEvent, bool> Dropping(string client) =>
        e => e.Kind == EventKind.FlowDropped && e.Actor is { } a && a.StartsWith($"middlebox[{client}]#", StringComparison.Ordinal);

    /// <summary>For each timed-out SET, the time since the previous one ended (the first: since the idle ended).</summary>
    private static List<TimeSpan> SyncFailureGaps(IReadOnlyList<LabEvent> events)
    {
        var start = events.FirstOrDefault(IdleOver);
        if (start is null) return [];
        var failures = events.Where(e => e.Kind == EventKind.CommandFailed && e.Actor == Se && e.Failure == SocketFailure.TimedOut &&
                                         e.Detail.Contains("RedisTimeoutException: Timeout performing SET", StringComparison.Ordinal)).ToList();
        var gaps = new List<TimeSpan>();
        var previous = start.At;
        foreach (var f in failures)
        {
            gaps.Add(f.At - previous);
            previous = f.At;
        }
        return gaps;
    }

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);
        var (client, probe) = await IdlePause.ConnectAsync(lab, redis, () => new DropAfterIdleFault(IdlePause.Limit), broken, ct);
        RespProbe? keepAlive = null;
        if (broken)
        {
            var keepAliveBox = await TcpMiddlebox.StartAsync(lab, redis.Endpoint, new DropAfterIdleFault(IdlePause.Limit), $"middlebox[{KeepAlive}]", ct);
            keepAlive = await ConnectKeepAliveProbeAsync(lab, keepAliveBox, ct);
            await keepAlive.SendAsync("PING");
            await keepAlive.ReadAsync(TimeSpan.FromSeconds(2));
        }

        await IdlePause.RunAsync(lab, probe, broken, ct);

        await Task.WhenAll(
            Task.Run(() => SyncCommandsAsync(client), ct),
            Task.Run(() => AsyncCommandAsync(lab, client, ct), ct),
            Task.Run(
                async () =>
                {
                    await probe.SendAsync("PING");
                    await probe.ReadAsync(ReadBound);
                    if (broken) await probe.SendAsync("PING");
                },
                ct),
            keepAlive is null
                ? Task.CompletedTask
                : Task.Run(
                    async () =>
                    {
                        await keepAlive.SendAsync("PING");
                        await keepAlive.ReadAsync(ReadBound);
                    },
                    ct));
        lab.Timeline.Record(Side.Client, EventKind.Note, $"IsConnected={client.Multiplexer.IsConnected} after the commands", actor: Se);
        if (keepAlive is not null) ReportKeepAlive(lab, keepAlive);
    }

    /// <summary>Synchronous SETs, one after the other: each waits at most syncTimeout (1 s by default).</summary>
    private static async Task SyncCommandsAsync(SeRedisClient client)
    {
        for (var i = 1; i <= Commands; i++)
        {
            var value = i;
            await client.RunAsync("SET", db =>
            {
                db.StringSet("k", value);
                return Task.CompletedTask;
            });
        }
    }

    /// <summary>An awaited SET: version 1.2.6 applies no timeout to it, so the wait on it is bounded here.</summary>
    private static async Task AsyncCommandAsync(LabSandbox lab, SeRedisClient client, CancellationToken ct)
    {
        var set = client.Database.StringSetAsync("a", 1);
        var clock = Stopwatch.StartNew();
        try
        {
            await set.WaitAsync(AsyncBound, ct);
            lab.Timeline.Record(Side.Client, EventKind.CommandSucceeded, $"SET (async) OK in {clock.Elapsed.TotalMilliseconds:0} ms", actor: SeAsync);
        }
        catch (TimeoutException) when (!set.IsCompleted)
        {
            lab.Timeline.Record(Side.Client, EventKind.Note, $"SET (async): no answer and no exception after {AsyncBound.TotalSeconds:0.#} s — the Task is still pending", actor: SeAsync);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            lab.Timeline.Record(Side.Client, EventKind.CommandFailed, $"SET (async) failed after {clock.Elapsed.TotalMilliseconds:0} ms: {e.GetType().Name}: {e.Message}", SocketFailure.TimedOut, actor: SeAsync);
        }
    }

    /// <summary>
    /// A raw RESP client with TCP keepalive on (idle 1 s, interval 1 s, 2 probes): through a real drop, an idle
    /// connection's probes would go unanswered and end it with ETIMEDOUT after 1 + 2 × 1 s.
    /// </summary>
    private static async Task<RespProbe> ConnectKeepAliveProbeAsync(LabSandbox lab, TcpMiddlebox box, CancellationToken ct)
    {
        var probe = (await RespProbe.ConnectAsync(lab, box.Endpoint, KeepAlive, cancellationToken: ct, configure: s => TcpOptions.KeepAlive(s, 1, 1, 2)))!;
        lab.Timeline.Record(Side.Client, EventKind.Note, "TCP keepalive on: idle 1 s, interval 1 s, 2 probes", actor: KeepAlive);
        return probe;
    }

    /// <summary>Records what the kernel says about the keepalive probe's connection (TCP_INFO, SO_ERROR) after the silence.</summary>
    private static void ReportKeepAlive(LabSandbox lab, RespProbe probe)
    {
        var info = probe.TcpInfo;
        lab.Timeline.Record(Side.Client, EventKind.Note, $"TCP_INFO: {info}", actor: KeepAlive);
        // The probes carry no data; only they can have been ACKed since the PING's own ACK, seconds ago.
        if (info is { State: TcpState.Established, SocketError: 0, UnansweredProbes: 0 } &&
            info.SinceAckReceived < TimeSpan.FromMilliseconds(1500) && info.SinceDataSent > TimeSpan.FromMilliseconds(2500) && info.SinceDataReceived > TimeSpan.FromSeconds(5))
        {
            lab.Timeline.Record(
                Side.Client,
                EventKind.Note,
                $"{ProbesAcked}: an ACK came {info.SinceAckReceived.TotalMilliseconds:0} ms ago, though the last data left {info.SinceDataSent.TotalMilliseconds:0} ms ago and the last reply came {info.SinceDataReceived.TotalMilliseconds:0} ms ago — TCP keepalive cannot notice a user-space blackhole",
                actor: KeepAlive);
        }
    }
}
