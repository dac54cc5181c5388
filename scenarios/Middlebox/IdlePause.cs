using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Events;

namespace BrokenPipe.Scenarios.Middlebox;

// The class Lab shares its name with the namespace BrokenPipe.Lab; inside BrokenPipe.* the alias picks the class.
using Lab = BrokenPipe.Lab.Lab;

/// <summary>The quiet period of the idle-middlebox scenarios: truly idle (broken), or kept busy by a raw keep-alive (fixed).</summary>
internal static class IdlePause
{
    /// <summary>The middlebox's idle timeout.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    /// <summary>The pause: longer than <see cref="Limit"/>.</summary>
    public static readonly TimeSpan Idle = TimeSpan.FromSeconds(4);

    /// <summary>The raw client's keep-alive in the fixed variants: well inside <see cref="Limit"/>.</summary>
    public static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(0.5);

    /// <summary>Keep-alive pings that fill <see cref="Idle"/>.</summary>
    public const int Pings = 8;

    public static async Task RunAsync(Lab lab, RespProbe probe, bool broken, CancellationToken ct)
    {
        lab.Timeline.Record(
            Side.Lab,
            EventKind.Note,
            broken
                ? $"a {Idle.TotalSeconds:0} s pause: every flow stays quiet longer than the middlebox's {Limit.TotalSeconds:0} s"
                : $"a {Idle.TotalSeconds:0} s pause: the keep-alives keep every flow busier than the middlebox's {Limit.TotalSeconds:0} s",
            actor: "idle");
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
                await probe.ReadAsync(TimeSpan.FromSeconds(2));
            }
        }
        lab.Timeline.Record(Side.Lab, EventKind.Note, "idle over: the clients send commands again", actor: "idle");
    }
}
