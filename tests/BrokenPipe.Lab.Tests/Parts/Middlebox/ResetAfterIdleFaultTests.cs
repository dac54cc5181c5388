using System.Diagnostics;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class ResetAfterIdleFaultTests
{
    [Fact]
    public async Task BusyFlow_GapsShorterThanT_TrafficPassesFarBeyondT()
    {
        var t = TimeSpan.FromMilliseconds(1500);
        var gap = TimeSpan.FromMilliseconds(300);
        await using var lab = new LabSandbox("mb-idle-reset-busy");
        using var hop = await Hop.OpenAsync(lab, new ResetAfterIdleFault(t));
        var total = Stopwatch.StartNew();
        var idle = new Stopwatch();

        // Seven exchanges 300 ms apart: longer than T in all, but never T idle. The gaps are the behaviour under test.
        for (var i = 0; i < 7; i++)
        {
            if (i > 0) await Task.Delay(gap);
            try
            {
                await hop.ExchangeAsync([(byte)i], [(byte)(100 + i)]);
            }
            catch (SocketException e)
            {
                Assert.Fail($"exchange #{i + 1} failed with {e.SocketErrorCode} after an idle gap of {idle.Elapsed.TotalMilliseconds:0} ms (T is {t.TotalMilliseconds:0} ms)");
            }
            idle.Restart();
        }

        Assert.True(total.Elapsed > t, $"the exchanges took {total.Elapsed.TotalMilliseconds:0} ms, not longer than T");
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Kind == EventKind.ClosedRst);
    }

    [Fact]
    public async Task IdleLongerThanT_NextClientSend_IsAnsweredByAnRstToBothSides()
    {
        var t = TimeSpan.FromSeconds(1); // the first exchange must come within T of the connect, even on a cold, busy box
        await using var lab = new LabSandbox("mb-idle-reset");
        using var hop = await Hop.OpenAsync(lab, new ResetAfterIdleFault(t));
        await hop.ExchangeAsync("ping"u8.ToArray(), "pong"u8.ToArray());

        await Task.Delay(t + TimeSpan.FromMilliseconds(300)); // the idle time is the behaviour under test
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Kind == EventKind.ClosedRst); // nothing is sent when the flow is forgotten
        await Wire.SendAsync(hop.Client, "late"u8.ToArray()); // the send itself succeeds: the bytes are in the kernel
        var (atClient, atTarget) = await hop.ReadBothToEndAsync(Bound.Wait);

        Assert.True(atClient.IsReset && atClient.Bytes.Length == 0, $"client: {atClient}");
        Assert.True(atTarget.IsReset && atTarget.Bytes.Length == 0, $"target (must not get the late bytes): {atTarget}");
        await lab.Timeline.WaitForAsync(EventKind.ClosedRst, Bound.Wait, Side.Middlebox, "middlebox#1");
    }

    [Fact]
    public async Task IdleLongerThanT_TargetsNextSend_ResetsBothSidesToo()
    {
        var t = TimeSpan.FromSeconds(1); // the first exchange must come within T of the connect, even on a cold, busy box
        await using var lab = new LabSandbox("mb-idle-reset-target");
        using var hop = await Hop.OpenAsync(lab, new ResetAfterIdleFault(t));
        await hop.ExchangeAsync("ping"u8.ToArray(), "pong"u8.ToArray());

        await Task.Delay(t + TimeSpan.FromMilliseconds(300)); // the idle time is the behaviour under test
        await Wire.SendAsync(hop.Target, "push"u8.ToArray());
        var (atClient, atTarget) = await hop.ReadBothToEndAsync(Bound.Wait);

        Assert.True(atClient.IsReset && atClient.Bytes.Length == 0, $"client (must not get the pushed bytes): {atClient}");
        Assert.True(atTarget.IsReset, $"target: {atTarget}");
    }

    [Fact]
    public async Task IdleLongerThanT_ClientsFin_IsAnsweredByAnRstToBothSides()
    {
        var t = TimeSpan.FromSeconds(1); // the first exchange must come within T of the connect, even on a cold, busy box
        await using var lab = new LabSandbox("mb-idle-reset-fin");
        using var hop = await Hop.OpenAsync(lab, new ResetAfterIdleFault(t));
        await hop.ExchangeAsync("ping"u8.ToArray(), "pong"u8.ToArray());

        await Task.Delay(t + TimeSpan.FromMilliseconds(300)); // the idle time is the behaviour under test
        hop.Client.Shutdown(SocketShutdown.Send); // a FIN is a packet too
        var (atClient, atTarget) = await hop.ReadBothToEndAsync(Bound.Wait);

        Assert.True(atClient.IsReset, $"client: {atClient}");
        Assert.True(atTarget.IsReset, $"target (must not see the FIN as EOF): {atTarget}");
    }
}
