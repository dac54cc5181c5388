using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class TcpMiddleboxTimelineTests
{
    [Fact]
    public async Task TwoFlows_EachGetsAnAcceptedEventOnTheMiddleboxSide()
    {
        await using var lab = new LabSandbox("mb-timeline-accepted");
        using var listener = Wire.Listen();
        var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener));

        using var first = await Wire.ConnectAsync(box.Endpoint);
        using var firstTarget = await Wire.AcceptAsync(listener);
        using var second = await Wire.ConnectAsync(box.Endpoint);
        using var secondTarget = await Wire.AcceptAsync(listener);
        await lab.Timeline.WaitForAsync(EventKind.Accepted, Bound.Wait, Side.Middlebox, "middlebox#1");
        await lab.Timeline.WaitForAsync(EventKind.Accepted, Bound.Wait, Side.Middlebox, "middlebox#2");
        await lab.Timeline.WaitForAsync(EventKind.Connected, Bound.Wait, Side.Middlebox, "middlebox#2");

        var accepted = lab.Timeline.Snapshot().Where(e => e.Kind == EventKind.Accepted).ToList();
        Assert.All(accepted, e => Assert.Equal(Side.Middlebox, e.Side));
        Assert.Equal(["middlebox#1", "middlebox#2"], accepted.Select(e => e.Actor));
    }

    [Fact]
    public async Task ResetOfAFlowNeitherEndClosed_IsAClosedRstAndTheFirstDisconnectIsTheMiddleboxsRst()
    {
        await using var lab = new LabSandbox("mb-timeline-rst");
        using var hop = await Hop.OpenAsync(lab, ResetFault.AfterBytesIn(Direction.Upstream, 4));

        await Wire.SendAsync(hop.Client, "0123456789"u8.ToArray());
        var atClient = await Wire.ReadToEndAsync(hop.Client, Bound.Wait);
        var rst = await lab.Timeline.WaitForAsync(EventKind.ClosedRst, Bound.Wait, Side.Middlebox, "middlebox#1");

        Assert.True(atClient.IsReset, $"client: {atClient}");
        var first = lab.Timeline.FirstDisconnect();
        Assert.NotNull(first);
        Assert.Equal((Side.Middlebox, "RST", "middlebox#1", rst.At), (first.Side, first.How, first.Actor, first.At));
    }

    [Fact]
    public async Task ResetFault_OneResetOfOneFlow_IsOneClosedRstEvent()
    {
        await using var lab = new LabSandbox("mb-timeline-one-rst");
        using var hop = await Hop.OpenAsync(lab, ResetFault.AfterBytesIn(Direction.Upstream, 4));

        await Wire.SendAsync(hop.Client, "0123456789"u8.ToArray());
        var atClient = await Wire.ReadToEndAsync(hop.Client, Bound.Wait);
        var atTarget = await Wire.ReadToEndAsync(hop.Target, Bound.Wait);
        await lab.DisposeAsync(); // every flow has ended and recorded everything it will

        Assert.True(atClient.IsReset && atTarget.IsReset, $"client: {atClient}, target: {atTarget}");
        var events = lab.Timeline.Snapshot();
        Assert.Single(events, e => e.Kind == EventKind.ClosedRst);
        Assert.DoesNotContain(events, e => e.Side == Side.Middlebox && e.Kind is EventKind.ReceiveFailed or EventKind.SendFailed);
    }

    [Fact]
    public async Task TargetsRstPassedOn_FirstDisconnectNamesTheTargetNotTheMiddlebox()
    {
        await using var lab = new LabSandbox("mb-timeline-passed-on");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance);
        await hop.ExchangeAsync("hello"u8.ToArray(), "world"u8.ToArray());

        hop.Target.LingerState = new LingerOption(true, 0);
        hop.Target.Close(); // the target resets; the middlebox only passes it on
        var atClient = await Wire.ReadToEndAsync(hop.Client, Bound.Wait);
        await lab.DisposeAsync();

        Assert.True(atClient.IsReset, $"client: {atClient}");
        var first = lab.Timeline.FirstDisconnect();
        Assert.Equal((Side.Server, "RST"), (first?.Side, first?.How));
    }
}
