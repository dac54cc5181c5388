using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Middlebox;

/// <summary>The quiet period of the idle-middlebox scenarios: truly idle (broken), or kept busy by a raw keep-alive (fixed).</summary>
internal static class IdlePause
{
    /// <summary>The StackExchange.Redis clients' base name (one per version: se-redis@3.4.35 behind <c>middlebox[se-redis@3.4.35]</c>).</summary>
    public const string Library = "se-redis";

    /// <summary>The raw RESP client's name (its middlebox is <c>middlebox[probe]</c>).</summary>
    public const string Raw = "probe";

    /// <summary>The middlebox's idle timeout.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    /// <summary>The pause: longer than <see cref="Limit"/>.</summary>
    public static readonly TimeSpan Idle = TimeSpan.FromSeconds(4);

    /// <summary>The raw client's keep-alive in the fixed variants: well inside <see cref="Limit"/>.</summary>
    public static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(0.5);

    /// <summary>Keep-alive pings that fill <see cref="Idle"/>.</summary>
    public const int Pings = 8;

    /// <summary>
    /// Each client (one per StackExchange.Redis version the lab runs, and the raw one) behind a middlebox of its own
    /// with the scenario's <paramref name="fault"/>, so that each client's flows are flows #1, #2, … of its middlebox.
    /// Broken: keepAlive=10 s, set explicitly, longer than <see cref="Limit"/>; fixed: keepAlive=1, below it. Both with
    /// syncTimeout=1000 (1.2.6's default; 5000 on 2.x/3.x). The raw client has one PING answered before the pause.
    /// </summary>
    /// <remarks>Each middlebox's fault is wrapped in an <see cref="ArmedFault"/>: it forwards until <see cref="ArmAsync"/>.</remarks>
    public static async Task<(IReadOnlyList<SeRedisClient> Clients, RespProbe Probe, IReadOnlyList<ArmedFault> Faults)> ConnectAsync(LabSandbox lab, RedisServer redis, Func<IFault> fault, bool broken, CancellationToken ct)
    {
        var faults = new List<ArmedFault>();
        ArmedFault Armed()
        {
            var armed = new ArmedFault(fault());
            lock (faults) faults.Add(armed);
            return armed;
        }

        var options = new SeRedisOptions { Configuration = (broken ? "keepAlive=10" : "keepAlive=1") + ",syncTimeout=1000" };
        var clients = await Task.WhenAll(lab.Settings.SeRedis.Select(async version =>
        {
            var name = SeRedisClient.ActorName(version, Library);
            var box = await TcpMiddlebox.StartAsync(lab, redis.Endpoint, Armed(), $"middlebox[{name}]", ct);
            return await SeRedisClient.ConnectAsync(lab, box.Endpoint, version, options, name, ct);
        }));
        var rawBox = await TcpMiddlebox.StartAsync(lab, redis.Endpoint, Armed(), $"middlebox[{Raw}]", ct);
        var probe = (await RespProbe.ConnectAsync(lab, rawBox.Endpoint, Raw, cancellationToken: ct))!;
        await probe.SendAsync("PING");
        await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
        return (clients, probe, faults);
    }

    /// <summary>
    /// Right before the pause: the clients connected one after the other, seconds apart on busy cores, so the first one's
    /// flows would start the pause long idle (and meet its own 10 s keep-alive inside it), and a slow handshake would meet
    /// the fault during the connect. One round trip on each library connection restarts every flow's idle clock together
    /// (the raw probe's PING was the last thing <see cref="ConnectAsync"/> did); only then are the faults armed.
    /// </summary>
    public static async Task ArmAsync(LabSandbox lab, IReadOnlyList<SeRedisClient> clients, IReadOnlyList<ArmedFault> faults, CancellationToken ct)
    {
        await Task.WhenAll(clients.Select(c => ReadyAsync(lab, c, "before the pause", ct)));
        foreach (var f in faults) f.Arm();
    }

    /// <summary>
    /// Until the library answers a PING on both of its connections (not counted as commands): after a refusal, the next
    /// try waits for the library's next ConnectionRestored, at most <see cref="ReadyRetry"/>; at most
    /// <see cref="ReadyTries"/> tries, then the SETs go anyway and the checks say what the library did.
    /// </summary>
    public static async Task ReadyAsync(LabSandbox lab, SeRedisClient client, string when, CancellationToken ct)
    {
        for (var attempt = 1; attempt <= ReadyTries; attempt++)
        {
            var since = lab.Timeline.Now;
            if (await client.TouchAsync(ct) is not { } refused)
            {
                lab.Timeline.Note(Side.Lab, $"{when}: {client.Name} answered a PING on both connections (try {attempt})", client.Name);
                return;
            }
            lab.Timeline.Note(Side.Lab, $"{when}: {client.Name} refused a PING (try {attempt}): {refused}", client.Name);
            try
            {
                await lab.Timeline.WaitForAsync(
                    e => e.Kind == EventKind.LibraryConnectionRestored && e.Actor == client.Name && e.At >= since,
                    ReadyRetry,
                    $"ConnectionRestored [{client.Name}]",
                    ct);
            }
            catch (TimelineTimeoutException)
            {
                // No new restore: the library holds its connection and refused anyway; try again.
            }
        }
    }

    private const int ReadyTries = 5;
    private static readonly TimeSpan ReadyRetry = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The middlebox's action on a flow (<paramref name="fault"/>: its reset or its first drop) comes after the pause and no
    /// later than the outcome of the flow's first use: the use is what triggers it. Timed from the use, not from the end of
    /// the pause: on busy cores a library's SET can leave its process half a second after the lab asked for it (seen:
    /// 537 ms at load 40), and the middlebox then acts on the SET, not on the pause.
    /// </summary>
    public static bool ByFirstUse(IReadOnlyList<LabEvent> events, Func<LabEvent, bool> fault, Func<LabEvent, bool> outcome) =>
        events.FirstOrDefault(IsOver) is { } over &&
        events.FirstOrDefault(fault) is { } acted && events.FirstOrDefault(outcome) is { } done &&
        acted.At >= over.At && acted.At <= done.At;

    /// <summary>Whether <paramref name="e"/> is the note that ends the pause.</summary>
    public static bool IsOver(LabEvent e) => e.Kind == EventKind.Note && e.Actor == OverActor;

    private const string OverActor = "idle-over";

    public static async Task RunAsync(LabSandbox lab, RespProbe probe, bool broken, CancellationToken ct)
    {
        lab.Timeline.Note(
            Side.Lab,
            broken
                ? $"a {Idle.TotalSeconds:0} s pause: every flow stays quiet longer than the middlebox's {Limit.TotalSeconds:0} s"
                : $"a {Idle.TotalSeconds:0} s pause: the keep-alives keep every flow busier than the middlebox's {Limit.TotalSeconds:0} s",
            "idle");
        if (broken)
        {
            await Task.Delay(Idle, ct); // the idle time is the behaviour under test
        }
        else
        {
            for (var i = 0; i < Pings; i++)
            {
                await Task.Delay(PingEvery, ct); // the raw client's keep-alive rhythm is the fix being shown
                await probe.SendAsync("PING");
                await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
            }
        }
        lab.Timeline.Note(Side.Lab, "idle over: the clients send commands again", OverActor);
    }
}
