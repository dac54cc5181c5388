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
    public static async Task<(IReadOnlyList<SeRedisClient> Clients, RespProbe Probe)> ConnectAsync(LabSandbox lab, RedisServer redis, Func<IFault> fault, bool broken, CancellationToken ct)
    {
        var options = new SeRedisOptions { Configuration = (broken ? "keepAlive=10" : "keepAlive=1") + ",syncTimeout=1000" };
        var clients = await Task.WhenAll(lab.Settings.SeRedis.Select(async version =>
        {
            var name = SeRedisClient.ActorName(version, Library);
            var box = await TcpMiddlebox.StartAsync(lab, redis.Endpoint, fault(), $"middlebox[{name}]", ct);
            return await SeRedisClient.ConnectAsync(lab, box.Endpoint, version, options, name, ct);
        }));
        var rawBox = await TcpMiddlebox.StartAsync(lab, redis.Endpoint, fault(), $"middlebox[{Raw}]", ct);
        var probe = (await RespProbe.ConnectAsync(lab, rawBox.Endpoint, Raw, cancellationToken: ct))!;
        await probe.SendAsync("PING");
        await probe.ReadReplyAsync(TimeSpan.FromSeconds(2));
        return (clients, probe);
    }

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
