using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Middlebox;

/// <summary>
/// Seed 003: a load balancer forgets an idle Redis connection and answers its next packet with an RST. The client
/// learns at once: StackExchange.Redis loses the one command in flight, reconnects in milliseconds and carries on.
/// </summary>
internal static class RedisIdleReset
{
    private const string Se = IdlePause.Library;
    private const string Probe = IdlePause.Raw;
    private const int Commands = 3;

    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan AtOnce = TimeSpan.FromMilliseconds(500);

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisIdleReset,
        "middlebox",
        "A middlebox resets an idle Redis connection on its next use: one command fails, the client reconnects at once",
        Seeds.Redis,
        new Story(
            Wire: "A load balancer forgets a flow idle for 3 s (like AWS's Network Load Balancer) and answers the next packet from either side with an RST to both. StackExchange.Redis 1.2.6 with keepAlive=10 sends a SET after a 4 s pause: the SET reaches the middlebox, which resets both sides; the library's read fails with ECONNRESET, the SET in flight fails within a few tens of milliseconds (3–33 ms measured) with 'RedisConnectionException: SocketFailure on SET', ConnectionFailed (Interactive, SocketFailure, origin EndReading: 'Unable to read data from the transport connection: Connection reset by peer') and ConnectionRestored come within a few milliseconds of each other (raised on different threads, Restored is sometimes recorded first), and the next SETs succeed on the new connection. A raw client: its PING after the pause is sent without error (the middlebox's kernel accepts it; the reset comes when the middlebox reads it), the read fails with ECONNRESET, and every later send fails with EPIPE.",
            Why: "The client's keep-alive (here 10 s; StackExchange.Redis defaults to 60 s) is longer than the middlebox's idle limit, so the flow is forgotten between two commands. Unlike redis-idle-drop, where the middlebox stays silent and the client times out again and again without ever reconnecting, the reset is a gift: both ends learn at once that the connection is gone, and a client that reconnects loses only what was in flight.",
            Diagnose: "'Connection reset by peer' (ConnectionFailed SocketFailure, EndReading) on the first command after a quiet period, never under load, while Redis logs nothing about the client (it sees the middlebox's RST as an ordinary reset or closed connection). A capture shows an RST that neither Redis nor the client sent.",
            Fix: "Keep the flow busier than the middlebox's idle limit: StackExchange.Redis keepAlive=1 here (a PING every 1–2 s: its 1 s heartbeat counts whole seconds since the last write), a raw PING every 0.5 s; in production a keepAlive below the load balancer's idle timeout. Then nothing is reset. A retry of an idempotent command on ConnectionFailed covers the one command the reset still takes."),
        Broken: new ScenarioVariant(
            "after 4 s idle behind a middlebox that resets flows idle for 3 s: the middlebox resets both sides when the first SET arrives; that SET fails at once with RedisConnectionException SocketFailure, ConnectionFailed (Interactive, SocketFailure, reset by peer) and ConnectionRestored come within 0.5 s of each other, and the next SETs succeed; the raw PING is sent, its read fails with ECONNRESET and later sends with EPIPE",
            // the idle under test; everything after it is synchronised on the timeline
            IdlePause.Idle,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.That(
                    "the middlebox resets the StackExchange.Redis flow and the raw one as soon as they are used after the idle",
                    events => On.Within(events, IdleOver, Reset(Se), AtOnce) && On.Within(events, IdleOver, Reset(Probe), AtOnce)),
                Expect.That(
                    "the SET in flight fails at once (within 0.5 s) with 'RedisConnectionException: SocketFailure on SET'",
                    events => On.Within(
                        events,
                        IdleOver,
                        e => e.Kind == EventKind.CommandFailed && e.Actor == Se && e.Index == 1 && e.Failure == SocketFailure.ConnectionReset &&
                             e.Detail.Contains("RedisConnectionException: SocketFailure on SET", StringComparison.Ordinal),
                        AtOnce)),
                Expect.Event(
                    "ConnectionFailed: Interactive SocketFailure, 'Unable to read (or write) data from the transport connection: Connection reset by peer'",
                    ConnectionReset),
                Expect.That(
                    "ConnectionRestored comes within 0.5 s of it (the library raises the two on different threads: either may be recorded first)",
                    events => events.FirstOrDefault(ConnectionReset) is { } failed &&
                              events.Any(e => e.Kind == EventKind.LibraryConnectionRestored && e.Actor == Se && (e.At - failed.At).Duration() <= AtOnce)),
                Expect.That(
                    $"the other {Commands - 1} SETs succeed on the new connection",
                    events => events.Count(e => e.Kind == EventKind.CommandSucceeded && e.Actor == Se && e.Index > 1) == Commands - 1),
                Expect.No("no command times out", e => e.Kind == EventKind.CommandFailed && e.Failure == SocketFailure.TimedOut),
                Expect.Event("IsConnected is true after the reconnect", e => e.Kind == EventKind.Note && e.Actor == Se && e.Detail.StartsWith("IsConnected=True", StringComparison.Ordinal)),
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
                Expect.That($"all {Commands} SETs succeed", events => events.Count(e => e.Kind == EventKind.CommandSucceeded && e.Actor == Se) == Commands),
                Expect.No("no command fails", On.Kind(EventKind.CommandFailed)),
                Expect.Event("raw: every keep-alive PING and the PING after the pause are answered", e => e.Actor == Probe && e.Kind == EventKind.Received && e.Index == IdlePause.Pings + 2),
                Expect.No("raw: no socket error", e => e.Actor == Probe && e.Kind is EventKind.SendFailed or EventKind.ReceiveFailed or EventKind.EndOfStream),
            ]))
    {
        Produces = [Signature.Logs("SocketFailure on"), Signature.Fails(Side.Client, SocketFailure.ConnectionReset, Errno.ECONNRESET)],
        Timeout = TimeSpan.FromMinutes(1),
    };

    private static bool IdleOver(LabEvent e) => e.Kind == EventKind.Note && e.Actor == "idle" && e.Detail.StartsWith("idle over", StringComparison.Ordinal);

    private static bool ConnectionReset(LabEvent e) =>
        e.Kind == EventKind.LibraryConnectionFailed && e.Actor == Se && e.Failure == SocketFailure.ConnectionReset &&
        e.Detail.Contains("Interactive SocketFailure", StringComparison.Ordinal) &&
        // Whichever of the library's reader or writer meets the RST first reports it (measured: the reader 19 times in 20).
        (e.Detail.Contains("Unable to read data from the transport connection: Connection reset by peer", StringComparison.Ordinal) ||
         e.Detail.Contains("Unable to write data to the transport connection: Connection reset by peer", StringComparison.Ordinal));

    private static Func<LabEvent, bool> Reset(string client) =>
        e => e.Side == Side.Middlebox && e.Kind == EventKind.ClosedRst && e.Actor is { } a && a.StartsWith($"middlebox[{client}]#", StringComparison.Ordinal);

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);
        var (client, probe) = await IdlePause.ConnectAsync(lab, redis, () => new ResetAfterIdleFault(IdlePause.Limit), broken, ct);

        await IdlePause.RunAsync(lab, probe, broken, ct);

        await Task.WhenAll(
            Task.Run(() => SetAsync(client, 1), ct),
            Task.Run(
                async () =>
                {
                    await probe.SendAsync("PING");
                    await probe.ReadAsync(ReadBound);
                    if (broken)
                    {
                        await probe.SendAsync("PING");
                        await probe.SendAsync("PING");
                    }
                },
                ct));
        if (broken)
        {
            // The library's own word that it lost the connection and has a new one, not a guessed sleep. The two events
            // are raised on different threads: Restored is sometimes recorded before Failed.
            await lab.Timeline.WaitForAsync(ConnectionReset, TimeSpan.FromSeconds(5), "ConnectionFailed (reset)", ct);
            await lab.Timeline.WaitForAsync(EventKind.LibraryConnectionRestored, TimeSpan.FromSeconds(5), Side.Client, Se, ct);
        }
        for (var i = 2; i <= Commands; i++) await SetAsync(client, i);
        lab.Timeline.Record(Side.Client, EventKind.Note, $"IsConnected={client.Multiplexer.IsConnected} after the commands", actor: Se);
    }

    /// <summary>A synchronous SET, as most 1.2.x code calls it: it waits at most syncTimeout (1 s by default).</summary>
    private static Task<bool> SetAsync(SeRedisClient client, int value) =>
        client.RunAsync("SET", db =>
        {
            db.StringSet("k", value);
            return Task.CompletedTask;
        });
}
