using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Events;

namespace BrokenPipe.Scenarios.Middlebox;

// The class Lab shares its name with the namespace BrokenPipe.Lab; inside BrokenPipe.* the alias picks the class.
using Lab = BrokenPipe.Lab.Lab;

/// <summary>The quiet period of the idle-middlebox scenarios: truly idle (broken), or kept busy by a raw keep-alive (fixed).</summary>
internal static class IdlePause
{
    public static async Task RunAsync(Lab lab, RespProbe probe, bool broken, TimeSpan idle, TimeSpan limit, TimeSpan pingEvery, int pings, CancellationToken ct)
    {
        lab.Timeline.Record(
            Side.Lab,
            EventKind.Note,
            broken
                ? $"a {idle.TotalSeconds:0} s pause: every flow stays quiet longer than the middlebox's {limit.TotalSeconds:0} s"
                : $"a {idle.TotalSeconds:0} s pause: the keep-alives keep every flow busier than the middlebox's {limit.TotalSeconds:0} s",
            actor: "idle");
        if (broken)
        {
            await Task.Delay(idle, ct); // the idle time is the behaviour under test
        }
        else
        {
            for (var i = 0; i < pings; i++)
            {
                await Task.Delay(pingEvery, ct); // the raw client's keep-alive rhythm is the fix being shown
                await probe.SendAsync("PING");
                await probe.ReadAsync(TimeSpan.FromSeconds(2));
            }
        }
        lab.Timeline.Record(Side.Lab, EventKind.Note, "idle over: the clients send commands again", actor: "idle");
    }
}
