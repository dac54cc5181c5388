using System.Diagnostics;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class LatencyFaultTests
{
    private static readonly TimeSpan T = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task RoundTrip_TakesAtLeastTInEachDirection()
    {
        await using var lab = new LabSandbox("mb-latency");
        using var hop = await Hop.OpenAsync(lab, new LatencyFault(T));

        var clock = Stopwatch.StartNew();
        await Wire.SendAsync(hop.Client, "ping"u8.ToArray());
        var request = await Wire.ReadExactlyAsync(hop.Target, 4);
        var oneWay = clock.Elapsed;
        await Wire.SendAsync(hop.Target, "pong"u8.ToArray());
        var reply = await Wire.ReadExactlyAsync(hop.Client, 4);
        var roundTrip = clock.Elapsed;

        Assert.Equal(("ping", "pong"), (System.Text.Encoding.ASCII.GetString(request), System.Text.Encoding.ASCII.GetString(reply)));
        Assert.InRange(oneWay, T - Wire.Slack, T + TimeSpan.FromSeconds(3));
        Assert.InRange(roundTrip, 2 * T - Wire.Slack, 2 * T + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Fin_IsHeldForTLikeData()
    {
        await using var lab = new LabSandbox("mb-latency-fin");
        using var hop = await Hop.OpenAsync(lab, new LatencyFault(T));

        var clock = Stopwatch.StartNew();
        hop.Client.Shutdown(SocketShutdown.Send);
        var atTarget = await Wire.ReadToEndAsync(hop.Target, Bound.Wait);
        var elapsed = clock.Elapsed;

        Assert.Equal((0, ReadEndKind.Eof), (atTarget.Bytes.Length, atTarget.Kind));
        Assert.InRange(elapsed, T - Wire.Slack, T + TimeSpan.FromSeconds(3));
    }
}
