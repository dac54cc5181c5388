using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Middlebox;

/// <summary>
/// Seed 003: a load balancer / NAT silently drops a Redis connection that stayed idle past its timeout. Nothing tells
/// the client: StackExchange.Redis 1.2.6 and 2.8.16 time out command after command and never reconnect; 3.4.35 notices
/// after a few seconds, and says so only in its log.
/// </summary>
internal static class RedisIdleDrop
{
    private const string Probe = IdlePause.Raw;
    private const string KeepAlive = "probe+keepalive";
    private const int Commands = 3;

    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How long the application keeps sending SETs after the pause: long enough for 3.4.35's dead-socket check (4 × syncTimeout without a read, measured 5.6 s).</summary>
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(9);

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisIdleDrop,
        "middlebox",
        "A middlebox silently drops an idle Redis connection: commands time out, and nobody notices",
        Seeds.Redis,
        new Story(
            Wire: "A load balancer or NAT forgets a flow that has been idle for 3 s and from then on discards its packets: no FIN, no RST, no error to anyone. StackExchange.Redis with keepAlive=10 and syncTimeout=1000 stays quiet through a 4 s pause and then sends its SETs into the void: each synchronous SET fails with RedisTimeoutException after 1 s, IsConnected stays true, and no ConnectionFailed comes. 1.2.6 and 2.8.16 never recover (2.8.16's dead-socket check counts only async timeouts). 3.4.35 notices that nothing was read for 4 × the timeout: it logs 'Dead socket detected … issuing disconnect' (through its ILogger only), reconnects, raises ConnectionRestored without any ConnectionFailed, and the SETs succeed again. The raw client's PING is sent without error and its read meets silence; so does a raw client with TCP keepalive, whose probes the user-space middlebox's kernel ACKs.",
            Why: "Middleboxes keep a table of flows and expire idle entries (Azure Load Balancer 4 min by default, AWS NAT Gateway 350 s, conntrack-based firewalls). When the client's keep-alive is longer than that limit (StackExchange.Redis defaults to 60 s), the flow expires between two commands. Silence is the dangerous outcome: neither end learns that the connection is gone, so the client keeps waiting on it instead of reconnecting — compare redis-idle-reset, where an RST makes the client reconnect at once.",
            Diagnose: "Timeouts ('Timeout performing …' with qs growing and in: 0) only after quiet periods, while Redis is healthy and other clients are fast; IsConnected true and no ConnectionFailed. On the server, CLIENT LIST shows that connection idle since before the pause (the commands never arrived). A capture on the client shows requests leaving and nothing coming back; on the server, nothing at all.",
            Fix: "Keep every flow busier than the middlebox's idle limit: keepAlive below the load balancer's idle timeout (here keepAlive=1 against 3 s; all versions), or TCP keepalive where the middlebox tracks it. On 2.x/3.x call async with an async timeout (2.8.16 counts only async timeouts toward its dead-socket check; 3.4.35 counts sync ones too). Treat a run of timeouts with IsConnected true as a dead connection."),
        Broken: new ScenarioVariant(
            "after 4 s idle behind a middlebox that drops flows idle for 3 s, synchronous SETs for 9 s: they time out after 1 s each, with no ConnectionFailed; 1.2.6 and 2.8.16 never recover, 3.4.35 logs a dead socket, reconnects (ConnectionRestored only) and its SETs succeed again; the raw PING is sent and its read meets silence, and so does a raw client with TCP keepalive",
            // the idle under test, then the application's window of SETs (the raw reads end within it)
            IdlePause.Idle + Window,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                LibraryRun.Each(
                    "the middlebox starts dropping each StackExchange.Redis flow and the raw one as soon as they are used after the idle (no FIN, no RST): after the pause, before the first command (the raw read) has an outcome",
                    run => IdlePause.ByFirstUse(run.Events, Dropping(run.Actor), e => e.Actor == run.Actor && e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed) &&
                           IdlePause.ByFirstUse(run.Events, Dropping(Probe), e => e.Actor == Probe && e.Kind is EventKind.Received or EventKind.ReceiveFailed && e.Index == 2)),
                LibraryRun.Each(
                    "every version: the first SET after the pause times out (RedisTimeoutException) after ~1 s (syncTimeout), IsConnected still true (3.4.35: or its dead-socket check drops the connection under it first)",
                    run => run.Mine.FirstOrDefault(e => e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed) is { Kind: EventKind.CommandFailed } first &&
                           ((first.Failure == SocketFailure.TimedOut && first.Library is { Latency: { } l, IsConnected: true } && l >= SyncTimeout * 0.95 && l <= SyncTimeout * 2) ||
                            (run.Version == SeRedisVersion.V3_4_35 && run.Of(EventKind.LibraryLog).FirstOrDefault(e => e.Failure == SocketFailure.TimedOut) is { } dead && first.At >= dead.At - TimeSpan.FromMilliseconds(50)))),
                Expect.No("StackExchange.Redis raises no ConnectionFailed (no version)", On.Kind(EventKind.LibraryConnectionFailed)),
                LibraryRun.Each(
                    "1.2.6 and 2.8.16: no reconnect, every SET times out; 3.4.35: its log says 'dead socket' (timed-out), ConnectionRestored follows, and a later SET succeeds",
                    run => run.Version == SeRedisVersion.V3_4_35
                        ? run.Of(EventKind.LibraryLog).FirstOrDefault(e => e.Failure == SocketFailure.TimedOut) is { } dead &&
                          run.Of(EventKind.LibraryConnectionRestored).Any(e => e.At >= dead.At) && run.Of(EventKind.CommandSucceeded).Any(e => e.At >= dead.At)
                        // 2.8.16 may report its subscription connection restored while it connects, before anything is dropped.
                        : !run.Of(EventKind.LibraryConnectionRestored).Any(e => run.Of(EventKind.CommandFailed).Any(f => f.At <= e.At)) && !run.Of(EventKind.CommandSucceeded).Any() &&
                          run.Of(EventKind.CommandFailed).Count(e => e.Failure == SocketFailure.TimedOut) >= Commands),
                Expect.Event("raw: the PING after the idle is sent without error", On.Sent(Probe, 2)),
                Expect.Event("raw: its read meets silence until its own 3 s timeout (no EOF, no error)", Silence(Probe)),
                Expect.Event("raw: a later send succeeds too", On.Sent(Probe, 3)),
                Expect.Event("raw with TCP keepalive (1 s, 1 s, 2 probes): its read meets the same silence, not ETIMEDOUT", Silence(KeepAlive)),
                Expect.Event(
                    "TCP_INFO: the keepalive probes were ACKed (an ACK within 1.5 s, no data for > 5 s), the socket ESTABLISHED without error",
                    e => e.Kind == EventKind.SocketSnapshot && e.Actor == KeepAlive && ProbesAcked(e.Tcp)),
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
                LibraryRun.Each($"every version: all {Commands} synchronous SETs succeed", run => run.Of(EventKind.CommandSucceeded).Count() == Commands),
                Expect.No("no command fails", On.Kind(EventKind.CommandFailed)),
                Expect.No("StackExchange.Redis raises no ConnectionFailed", On.Kind(EventKind.LibraryConnectionFailed)),
                Expect.Event("raw: every keep-alive PING and the PING after the pause are answered", e => e.Actor == Probe && e.Kind == EventKind.Received && e.Index == IdlePause.Pings + 2),
                Expect.No("raw: no read meets silence", On.Kind(EventKind.ReceiveFailed, Probe)),
            ]))
    {
        Produces = [Signature.Logs("Timeout performing"), Signature.Fails(Side.Client, SocketFailure.TimedOut)],
        Timeout = TimeSpan.FromMinutes(1),
    };


    private static Func<LabEvent, bool> Silence(string actor) =>
        e => e.Actor == actor && e.Kind == EventKind.ReceiveFailed && e.Index == 2 && e.Failure == SocketFailure.TimedOut && e.Errno is null;

    private static Func<LabEvent, bool> Dropping(string client) =>
        e => e.Kind == EventKind.FlowDropped && e.Actor is { } a && a.StartsWith($"middlebox[{client}]#", StringComparison.Ordinal);

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);
        var (clients, probe, faults) = await IdlePause.ConnectAsync(lab, redis, () => new DropAfterIdleFault(IdlePause.Limit), broken, ct);
        RespProbe? keepAlive = null;
        if (broken)
        {
            var keepAliveBox = await TcpMiddlebox.StartAsync(lab, redis.Endpoint, new DropAfterIdleFault(IdlePause.Limit), $"middlebox[{KeepAlive}]", ct);
            keepAlive = await ConnectKeepAliveProbeAsync(lab, keepAliveBox, ct);
            await keepAlive.SendAsync("PING");
            await keepAlive.ReadReplyAsync(TimeSpan.FromSeconds(2));
        }

        await IdlePause.ArmAsync(lab, clients, faults, ct);
        await IdlePause.RunAsync(lab, probe, broken, ct);

        // Synchronous SETs on the application's own thread, one every 0.5 s (each waits at most syncTimeout).
        var loops = clients.Select(c => (Client: c, Loop: c.StartLoop(new SeRedisLoop("SET", ["k", "v"], SeRedisCallMode.Sync, TimeSpan.FromMilliseconds(500), broken ? 100 : Commands)))).ToList();
        await Task.WhenAll(
            Task.Run(
                async () =>
                {
                    await probe.SendAsync("PING");
                    await probe.ReadReplyAsync(ReadBound);
                    if (broken) await probe.SendAsync("PING");
                },
                ct),
            keepAlive is null
                ? Task.CompletedTask
                : Task.Run(
                    async () =>
                    {
                        await keepAlive.SendAsync("PING");
                        await keepAlive.ReadReplyAsync(ReadBound);
                    },
                    ct));
        if (broken)
        {
            await Task.Delay(Window - ReadBound, ct); // the application's window is the behaviour under test: does the library ever recover?
            foreach (var (client, loop) in loops) client.Stop(loop.Handle);
        }
        await Task.WhenAll(loops.Select(l => l.Loop.Done)).WaitAsync(TimeSpan.FromSeconds(10), ct);
        if (keepAlive is not null) ReportKeepAlive(lab, keepAlive);
    }

    /// <summary>
    /// A raw RESP client with TCP keepalive on (idle 1 s, interval 1 s, 2 probes): through a real drop, an idle
    /// connection's probes would go unanswered and end it with ETIMEDOUT after 1 + 2 × 1 s.
    /// </summary>
    private static async Task<RespProbe> ConnectKeepAliveProbeAsync(LabSandbox lab, TcpMiddlebox box, CancellationToken ct)
    {
        var probe = (await RespProbe.ConnectAsync(lab, box.Endpoint, KeepAlive, cancellationToken: ct, configure: s => TcpOptions.KeepAlive(s, 1, 1, 2)))!;
        lab.Timeline.Note(Side.Client, "TCP keepalive on: idle 1 s, interval 1 s, 2 probes", KeepAlive);
        return probe;
    }

    /// <summary>Records what the kernel says about the keepalive probe's connection (TCP_INFO, SO_ERROR) after the silence.</summary>
    private static void ReportKeepAlive(LabSandbox lab, RespProbe probe)
    {
        if (probe.RecordTcpInfo().Tcp is { } info && ProbesAcked(info))
        {
            lab.Timeline.Note(Side.Client, $"the middlebox's kernel ACKed the keepalive probes: an ACK came {info.SinceAckReceived.TotalMilliseconds:0} ms ago, though the last data left {info.SinceDataSent.TotalMilliseconds:0} ms ago and the last reply came {info.SinceDataReceived.TotalMilliseconds:0} ms ago — TCP keepalive cannot notice a user-space blackhole", KeepAlive);
        }
    }

    /// <summary>
    /// The keepalive probes were ACKed: the socket is ESTABLISHED without error or unanswered probe, and an ACK came
    /// lately though no data moved for seconds — the probes carry no data, so only they can have been ACKed since the
    /// PING's own ACK.
    /// </summary>
    private static bool ProbesAcked(TcpInfo? tcp) =>
        tcp is { State: TcpState.Established, SocketError: 0, UnansweredProbes: 0 } info &&
        info.SinceAckReceived < TimeSpan.FromMilliseconds(1500) && info.SinceDataSent > TimeSpan.FromMilliseconds(2500) && info.SinceDataReceived > TimeSpan.FromSeconds(5);
}
