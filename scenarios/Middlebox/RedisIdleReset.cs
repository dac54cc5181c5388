using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Middlebox;

/// <summary>
/// Seed 003: a load balancer forgets an idle Redis connection and answers its next packet with an RST. The client
/// learns at once: StackExchange.Redis loses the one command in flight, reconnects in milliseconds and carries on.
/// </summary>
internal static class RedisIdleReset
{
    private const string Probe = IdlePause.Raw;
    private const int Commands = 3;

    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan AtOnce = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The library's "at once": its first failure path in a fresh observer process (exception, JIT) took 0.6–0.9 s with
    /// three observers on two busy cores, tens of ms alone; still well apart from a timeout.
    /// </summary>
    private static readonly TimeSpan LibraryAtOnce = TimeSpan.FromMilliseconds(1500);

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisIdleReset,
        "middlebox",
        "A middlebox resets an idle Redis connection on its next use: one command fails, the client reconnects at once",
        Seeds.Redis,
        new Story(
            Wire: "A load balancer forgets a flow idle for 3 s (like AWS's Network Load Balancer) and answers the next packet from either side with an RST to both. StackExchange.Redis (every version) with keepAlive=10 sends a SET after a 4 s pause: the middlebox resets both sides, the library raises ConnectionFailed (SocketFailure, 'Connection reset by peer') and ConnectionRestored within milliseconds, and the next commands succeed. The raw client's PING is sent, its read gets ECONNRESET, and its next sends EPIPE. A reset is a gift: everyone learns at once.",
            Why: "The client's keep-alive (here 10 s; StackExchange.Redis defaults to 60 s) is longer than the middlebox's idle limit, so the flow is forgotten between two commands. Unlike redis-idle-drop, where the middlebox stays silent and the client times out again and again without ever reconnecting, the reset is a gift: both ends learn at once that the connection is gone, and a client that reconnects loses only what was in flight.",
            Diagnose: "'Connection reset by peer' (ConnectionFailed SocketFailure, EndReading) on the first command after a quiet period, never under load, while Redis logs nothing about the client (it sees the middlebox's RST as an ordinary reset or closed connection). A capture shows an RST that neither Redis nor the client sent.",
            Fix: "Keep the flow busier than the middlebox's idle limit: StackExchange.Redis keepAlive=1 here (a PING every 1–2 s: its 1 s heartbeat counts whole seconds since the last write), a raw PING every 0.5 s; in production a keepAlive below the load balancer's idle timeout. Then nothing is reset. A retry of an idempotent command on ConnectionFailed covers the one command the reset still takes."),
        Broken: new ScenarioVariant(
            "after 4 s idle behind a middlebox that resets flows idle for 3 s: the middlebox resets both sides when the first SET arrives; every StackExchange.Redis version raises ConnectionFailed (Interactive, SocketFailure: reset) and ConnectionRestored within 0.5 s, no command times out, the later SETs succeed; the raw PING's read gets ECONNRESET and its next sends EPIPE",
            // the idle under test; everything after it is synchronised on the timeline
            IdlePause.Idle,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                LibraryRun.Each(
                    "the middlebox resets each StackExchange.Redis flow and the raw one as soon as they are used after the idle: after the pause, before the client's first command (its read) completes",
                    run => IdlePause.ByFirstUse(run.Events, Reset(run.Actor), e => e.Actor == run.Actor && e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed && e.Index == 1) &&
                           IdlePause.ByFirstUse(run.Events, Reset(Probe), e => e.Actor == Probe && e.Kind is EventKind.Received or EventKind.ReceiveFailed && e.Index == 2)),
                LibraryRun.Each(
                    "every version: ConnectionFailed (Interactive, SocketFailure: connection-reset, or broken-pipe when its writer meets the RST first) within 1.5 s of the middlebox's RST on its flow",
                    run => On.Within(run.Events, Reset(run.Actor), e => ConnectionReset(e) && e.Actor == run.Actor, LibraryAtOnce)),
                LibraryRun.Each(
                    "every version: ConnectionRestored within 0.5 s of it (raised on another thread: either may be recorded first)",
                    run => run.Of(EventKind.LibraryConnectionFailed).FirstOrDefault(ConnectionReset) is { } failed &&
                           run.Of(EventKind.LibraryConnectionRestored).Any(e => (e.At - failed.At).Duration() <= AtOnce)),
                LibraryRun.Each(
                    $"every version: the other {Commands - 1} SETs succeed on the new connection, and IsConnected is true",
                    run => run.Of(EventKind.CommandSucceeded).Count(e => e.Index > 1) == Commands - 1 && run.Of(EventKind.CommandSucceeded).Last().Library?.IsConnected == true),
                LibraryRun.Each(
                    "every version: the SET in flight fails at once with the reset (1.2.6) or is answered after the reconnect (2.x/3.x may resend it): no command times out",
                    run => !run.Of(EventKind.CommandFailed).Any(e => e.Failure == SocketFailure.TimedOut) &&
                           run.Mine.FirstOrDefault(e => e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed && e.Index == 1) is { } first &&
                           (run.Version.HasBacklog() || first.Kind == EventKind.CommandFailed) && first.Library?.Latency <= LibraryAtOnce),
                Expect.Event("raw: the PING after the idle is sent without error", On.Sent(Probe, 2)),
                Expect.Event("raw: its read fails with ECONNRESET", On.Failed(EventKind.ReceiveFailed, Probe, Errno.ECONNRESET, 2)),
                Expect.That(
                    "raw: both later sends fail with EPIPE",
                    events => events.Any(On.Failed(EventKind.SendFailed, Probe, Errno.EPIPE, 3)) && events.Any(On.Failed(EventKind.SendFailed, Probe, Errno.EPIPE, 4))),
                Expect.FirstDisconnect(Side.Middlebox, "RST"),
            ]),
        Fixed: new ScenarioVariant(
            "the same 4 s pause with keep-alives below the middlebox's 3 s (StackExchange.Redis keepAlive=1; a raw PING every 0.5 s): no reset, no ConnectionFailed, every SET and PING answered",
            // the pause, filled by the keep-alives
            IdlePause.Idle,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.No("the middlebox resets nothing", e => e.Side == Side.Middlebox && e.Kind == EventKind.ClosedRst),
                Expect.No("StackExchange.Redis raises no ConnectionFailed", On.Kind(EventKind.LibraryConnectionFailed)),
                LibraryRun.Each($"every version: all {Commands} SETs succeed", run => run.Of(EventKind.CommandSucceeded).Count() == Commands),
                Expect.No("no command fails", On.Kind(EventKind.CommandFailed)),
                Expect.Event("raw: every keep-alive PING and the PING after the pause are answered", e => e.Actor == Probe && e.Kind == EventKind.Received && e.Index == IdlePause.Pings + 2),
                Expect.No("raw: no socket error", e => e.Actor == Probe && e.Kind is EventKind.SendFailed or EventKind.ReceiveFailed or EventKind.EndOfStream),
            ]))
    {
        Produces = [Signature.Logs("SocketFailure on"), Signature.Fails(Side.Client, SocketFailure.ConnectionReset, Errno.ECONNRESET)],
        Timeout = TimeSpan.FromMinutes(1),
    };

    /// <summary>
    /// The library's word on the reset: ECONNRESET from its reader, or EPIPE from its writer when that touches the socket
    /// first (1.2.6 flushes its write queue after the SET; after the RST that send fails with EPIPE, origin WriteQueue).
    /// Both are the middlebox's RST; which one the library reports is a race inside it.
    /// </summary>
    private static bool ConnectionReset(LabEvent e) =>
        e.Kind == EventKind.LibraryConnectionFailed && e.Failure is (SocketFailure.ConnectionReset or SocketFailure.BrokenPipe) &&
        e.Library is { ConnectionType: "Interactive", FailureType: "SocketFailure" };

    private static Func<LabEvent, bool> Reset(string client) =>
        e => e.Side == Side.Middlebox && e.Kind == EventKind.ClosedRst && e.Actor is { } a && a.StartsWith($"middlebox[{client}]#", StringComparison.Ordinal);

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);
        var (clients, probe, faults) = await IdlePause.ConnectAsync(lab, redis, () => new ResetAfterIdleFault(IdlePause.Limit), broken, ct);

        await IdlePause.ArmAsync(lab, clients, faults, ct);
        await IdlePause.RunAsync(lab, probe, broken, ct);

        await Task.WhenAll([.. clients.Select(c => LibraryAsync(lab, c, broken, ct)), RawAsync(probe, broken)]);
    }

    /// <summary>
    /// Synchronous SETs (as most code calls them), the first into the reset, the rest once the library has said it
    /// reconnected (ConnectionFailed, then ConnectionRestored of the interactive connection) and has answered a PING on
    /// each of its connections: 1.2.6 raises ConnectionRestored and can still refuse the next command for a moment with
    /// "No connection is available to service this operation" (seen on a fresh machine: SET #2 and #3).
    /// </summary>
    private static async Task LibraryAsync(LabSandbox lab, SeRedisClient client, bool broken, CancellationToken ct)
    {
        await client.RunAsync("SET", ["k", "1"], SeRedisCallMode.Sync, ct);
        if (broken)
        {
            await lab.Timeline.WaitForAsync(e => ConnectionReset(e) && e.Actor == client.Name, TimeSpan.FromSeconds(5), $"ConnectionFailed (reset) [{client.Name}]", ct);
            // The interactive connection's restore: the subscription connection is reset too, and its restore can come first.
            await lab.Timeline.WaitForAsync(
                e => e.Kind == EventKind.LibraryConnectionRestored && e.Actor == client.Name && e.Library?.ConnectionType == "Interactive",
                TimeSpan.FromSeconds(5),
                $"ConnectionRestored (Interactive) [{client.Name}]",
                ct);
            await IdlePause.ReadyAsync(lab, client, "after the reconnect", ct);
        }
        for (var i = 2; i <= Commands; i++) await client.RunAsync("SET", ["k", $"{i}"], SeRedisCallMode.Sync, ct);
    }

    private static async Task RawAsync(RespProbe probe, bool broken)
    {
        await probe.SendAsync("PING");
        await probe.ReadReplyAsync(ReadBound);
        if (!broken) return;
        await probe.SendAsync("PING");
        await probe.SendAsync("PING");
    }
}
