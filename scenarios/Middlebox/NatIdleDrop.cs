using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Middlebox;

/// <summary>
/// Seed 003, on a real network path: a NAT's connection table forgets an idle Redis connection and its kernel drops
/// the packets. Unlike redis-idle-drop's user-space blackhole, nothing ACKs the client's bytes: TCP retransmits into
/// the void, and only a TCP_USER_TIMEOUT or TCP keepalive ever ends the connection (ETIMEDOUT). Needs root.
/// </summary>
internal static class NatIdleDrop
{
    private const string Plain = "probe";
    private const string UserTimeout = "probe+user-timeout";
    private const string KeepAlive = "probe+keepalive";

    /// <summary>
    /// The NAT's idle limit (conntrack's established timeout, whole seconds). 3 s, not 2: StackExchange.Redis counts
    /// keepAlive in whole seconds on its 1 s heartbeat, so with keepAlive=1 its PINGs can come ~2 s apart (1.2.6's
    /// did in a run), which a 2 s limit forgets now and then.
    /// </summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    /// <summary>The quiet period: longer than <see cref="Limit"/> by a second of margin.</summary>
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(4);

    /// <summary>How long the plain client waits for its reply before it looks at what its kernel is doing.</summary>
    private static readonly TimeSpan ReadBound = TimeSpan.FromSeconds(3);

    /// <summary>TCP_USER_TIMEOUT of the second client: how long sent data may stay unacknowledged.</summary>
    private static readonly TimeSpan UserTimeoutValue = TimeSpan.FromSeconds(2);

    /// <summary>Broken: keepalive starts after 4 s idle (longer than the NAT's 3 s); fixed: after 1 s (shorter).</summary>
    private static readonly (int Idle, int Interval, int Count) LateKeepAlive = (4, 1, 2), EarlyKeepAlive = (1, 1, 2);

    public static Scenario Definition { get; } = new(
        ScenarioIds.NatIdleDrop,
        "middlebox",
        "A NAT forgets an idle Redis connection and drops its packets: TCP retransmits into silence until a timeout ends it",
        Seeds.Redis,
        new Story(
            Wire: "The clients reach Redis through a network namespace whose connection tracking, like a NAT gateway's or a cloud load balancer's, forgets a flow idle for 3 s and then DROPs its packets in both directions (a real kernel, real packets: no FIN, no RST, no ACK). After a 4 s pause a raw client sends PING: send() returns at once (the bytes only reach its own send buffer), and the read meets silence; TCP_INFO shows the PING unacknowledged and already retransmitted several times (RTO 200 ms, doubling). Left alone it would retransmit for about 15 minutes (tcp_retries2) before failing. A client with TCP_USER_TIMEOUT 2 s gets ETIMEDOUT about 2 s after its PING. A client that sends nothing but has TCP keepalive after 4 s idle (interval 1 s, 2 probes) gets ETIMEDOUT on its pending read about 6 s after its last reply: the probes were dropped too. Redis sees nothing at all: to it the three connections are merely idle.",
            Why: "A NAT or stateful load balancer keeps a table entry per flow and expires it after an idle limit (AWS NAT Gateway 350 s, Azure 4 min by default, conntrack-based firewalls). Packets of a flow it has forgotten are dropped, not answered. TCP cannot tell a dropped segment from a slow path, so it retransmits with backoff; the error a client finally sees is ETIMEDOUT (or, if the middlebox later answers with an RST, ECONNRESET), minutes after the real cause. In redis-idle-drop the user-space middlebox's kernel ACKs the bytes, so there even keepalive cannot notice; here it can.",
            Diagnose: "ETIMEDOUT or multi-minute hangs on the first request after a quiet period, while the server is healthy and never logs the request. `ss -ti` on the client shows the connection ESTABLISHED with unacknowledged data and a growing retransmission count (retrans:N/M, backoff); TCP_INFO says the same. A capture on the client shows the same segment leaving again and again with nothing coming back; a capture at the server shows nothing.",
            Fix: "Keep flows known to the middlebox: TCP keepalive (or an application keep-alive) with an idle time below its limit — here keepalive after 1 s idle, interval 1 s, 2 probes: the probes refresh the table entry, the PING after the pause is answered, nothing is dropped. Keepalive after an idle time above the limit only detects the loss (ETIMEDOUT after idle + probes × interval); TCP_USER_TIMEOUT bounds how long sent data may go unacknowledged, so a request into a dead flow fails in seconds instead of ~15 minutes. Both make the client reconnect; only the first avoids the failure. StackExchange.Redis's keepAlive counts whole seconds on a 1 s heartbeat, so its PINGs can come up to about a second later than keepAlive says (1.2.6 with keepAlive=1: every ~2 s): leave that margin below the limit."),
        Broken: new ScenarioVariant(
            "after a 4 s pause behind a NAT that forgets flows idle for 3 s: the NAT's kernel drops the clients' packets; the plain client's PING is sent, its read meets silence and TCP_INFO shows it unacknowledged and retransmitted; with TCP_USER_TIMEOUT 2 s the read fails with ETIMEDOUT ~2 s after the PING; with keepalive after 4 s idle the idle reader fails with ETIMEDOUT ~6 s after its last reply; no FIN, no RST anywhere",
            // the pause under test, then the plain client's bounded read (the other two end within it)
            Pause + ReadBound,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.Event(
                    "the NAT's kernel drops packets from the clients once they are used after the pause",
                    e => e.Kind == EventKind.FlowDropped && e.From == Side.Client),
                Expect.Event("plain: the PING after the pause is sent without error", On.Sent(Plain, 2)),
                Expect.Event(
                    $"plain: its read meets silence for {ReadBound.TotalSeconds:0} s (no reply, no EOF, no error)",
                    e => e.Actor == Plain && e.Kind == EventKind.ReceiveFailed && e.Index == 2 && e.Failure == SocketFailure.TimedOut && e.Errno is null),
                Expect.Event(
                    "plain: TCP_INFO shows the PING unacknowledged and retransmitted, the connection still ESTABLISHED",
                    e => e.Actor == Plain && e.Kind == EventKind.SocketSnapshot && e.Tcp is { State: TcpState.Established, Unacked: > 0, TotalRetransmits: > 0 }),
                Expect.That(
                    $"TCP_USER_TIMEOUT {UserTimeoutValue.TotalSeconds:0} s: the read fails with ETIMEDOUT (110) {UserTimeoutValue.TotalSeconds:0}–{UserTimeoutValue.TotalSeconds + 2.5:0.#} s after the PING",
                    events => On.Gap(events, On.Sent(UserTimeout, 2), On.Failed(EventKind.ReceiveFailed, UserTimeout, Errno.ETIMEDOUT, 2)) is { } gap &&
                              gap >= UserTimeoutValue * 0.95 && gap <= UserTimeoutValue + TimeSpan.FromSeconds(2.5)),
                Expect.That(
                    "keepalive after 4 s idle: the idle read fails with ETIMEDOUT (110) 5–8.5 s after the last reply (4 s idle + 2 dropped probes 1 s apart)",
                    events => On.Gap(events, e => e.Actor == KeepAlive && e.Kind == EventKind.Received && e.Index == 1, On.Failed(EventKind.ReceiveFailed, KeepAlive, Errno.ETIMEDOUT, 2)) is { } gap &&
                              gap >= TimeSpan.FromSeconds(5) && gap <= TimeSpan.FromSeconds(8.5)),
                Expect.No("nobody sees a FIN or an RST", e => e.Kind is EventKind.EndOfStream or EventKind.ClosedRst || e.Errno is Errno.ECONNRESET or Errno.EPIPE),
                LibraryRun.Each(
                    "StackExchange.Redis (keepAlive=10, syncTimeout=1000), every version: the first SET after the pause times out after ~1 s, with no ConnectionFailed",
                    run => run.Mine.FirstOrDefault(e => e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed) is { Kind: EventKind.CommandFailed, Failure: SocketFailure.TimedOut } &&
                           !run.Of(EventKind.LibraryConnectionFailed).Any()),
                Expect.FirstDisconnect(Side.Middlebox, "drop"),
            ]),
        Fixed: new ScenarioVariant(
            "the same clients and pause, each with TCP keepalive after 1 s idle (below the NAT's 3 s): the probes keep every flow in the NAT's table, nothing is dropped, every PING after the pause is answered",
            // the pause, filled by the keepalive probes
            Pause,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.No("the NAT drops nothing", On.Kind(EventKind.FlowDropped)),
                Expect.That(
                    "all three clients get their reply after the pause (the keepalive client sends a PING too)",
                    events => new[] { Plain, UserTimeout, KeepAlive }.All(a => events.Any(e => e.Actor == a && e.Kind == EventKind.Received && e.Index == 2))),
                Expect.No("no read fails or meets silence", On.Kind(EventKind.ReceiveFailed)),
                LibraryRun.Each(
                    "StackExchange.Redis with keepAlive=1 (a PING every 1–2 s), every version: all SETs after the pause succeed",
                    run => run.Of(EventKind.CommandSucceeded).Count() == LibraryCommands && !run.Of(EventKind.CommandFailed).Any()),
            ]))
    {
        Produces = [Signature.Fails(Side.Client, SocketFailure.TimedOut, Errno.ETIMEDOUT)],
        NeedsRoot = true,
        Unavailable = _ => PacketDropMiddlebox.Unavailable,
        Timeout = TimeSpan.FromMinutes(1),
    };

    /// <summary>The synchronous SETs each StackExchange.Redis client sends after the pause, 0.5 s apart.</summary>
    private const int LibraryCommands = 3;

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);
        var nat = await PacketDropMiddlebox.StartAsync(lab, redis.Endpoint, Limit, "nat", ct);
        var keepAlive = broken ? LateKeepAlive : EarlyKeepAlive;

        // The application's library, each version the lab runs, through the same NAT: keep-alive above its limit (broken) or below it (fixed).
        // First: an observer can take seconds to start on a busy machine, and raw clients connected before it would sit idle
        // past the NAT's limit before their first PING (seen once in 20 runs).
        var clients = await Task.WhenAll(lab.Settings.SeRedis.Select(v =>
            SeRedisClient.ConnectAsync(lab, nat.Endpoint, v, new SeRedisOptions { Configuration = (broken ? "keepAlive=10" : "keepAlive=1") + ",syncTimeout=1000" }, cancellationToken: ct)));
        var plain = await ConnectAsync(lab, nat, Plain, broken ? null : EarlyKeepAlive, userTimeout: null, ct);
        var bounded = await ConnectAsync(lab, nat, UserTimeout, broken ? null : EarlyKeepAlive, UserTimeoutValue, ct);
        var probed = await ConnectAsync(lab, nat, KeepAlive, keepAlive, userTimeout: null, ct);
        foreach (var probe in new[] { plain, bounded, probed })
        {
            await probe.SendAsync("PING");
            await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
        }

        await lab.IdleAsync(Pause, $"no client sends anything; the NAT forgets flows idle for {Limit.TotalSeconds:0} s", ct);

        var loops = clients.Select(c => c.StartLoop(new SeRedisLoop("SET", ["k", "v"], SeRedisCallMode.Sync, TimeSpan.FromMilliseconds(500), LibraryCommands)).Done).ToList();
        await Task.WhenAll(
            Task.WhenAll(loops).WaitAsync(TimeSpan.FromSeconds(10), ct),
            Task.Run(
                async () =>
                {
                    await plain.SendAsync("PING");
                    // Silence: what the kernel knows about the PING (unacknowledged, retransmitted?) goes on the timeline.
                    if (!(await plain.ReadReplyAsync(ReadBound)).Answered) plain.RecordTcpInfo();
                },
                ct),
            Task.Run(
                async () =>
                {
                    await bounded.SendAsync("PING");
                    await bounded.ReadReplyAsync(ReadBound + TimeSpan.FromSeconds(1));
                },
                ct),
            Task.Run(
                async () =>
                {
                    // Broken: it sends nothing; only its keepalive probes can tell it the flow is gone. Fixed: a PING.
                    if (!broken) await probed.SendAsync("PING");
                    await probed.ReadReplyAsync(ReadBound + TimeSpan.FromSeconds(1));
                },
                ct));
    }

    private static async Task<RespProbe> ConnectAsync(LabSandbox lab, PacketDropMiddlebox nat, string name, (int Idle, int Interval, int Count)? keepAlive, TimeSpan? userTimeout, CancellationToken ct)
    {
        var probe = await RespProbe.ConnectAsync(lab, nat.Endpoint, name, cancellationToken: ct, configure: socket =>
        {
            if (keepAlive is { } k) TcpOptions.KeepAlive(socket, k.Idle, k.Interval, k.Count);
            if (userTimeout is { } t) TcpOptions.UserTimeout(socket, t);
        });
        var options = string.Join(", ", new[]
        {
            keepAlive is { } ka ? $"TCP keepalive after {ka.Idle} s idle, every {ka.Interval} s, {ka.Count} probes" : null,
            userTimeout is { } ut ? $"TCP_USER_TIMEOUT {ut.TotalSeconds:0} s" : null,
        }.OfType<string>());
        lab.Timeline.Note(Side.Client, options.Length == 0 ? "no TCP keepalive, no TCP_USER_TIMEOUT" : options, name);
        return probe ?? throw new InvalidOperationException($"{name} could not connect to the NAT at {nat.Endpoint}");
    }
}
