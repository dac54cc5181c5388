using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class FaultChangeTests
{
    private const string Box = "middlebox";

    [Fact]
    public async Task SetToDropWhileAFlowIsOpen_ItsNextChunksAreDiscardedSilently()
    {
        await using var lab = new LabSandbox("mb-change-drop");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance, Box);
        await hop.ExchangeAsync("before"u8.ToArray(), "passes"u8.ToArray());
        Assert.DoesNotContain(lab.Timeline.Snapshot(), IsFaultSet);

        hop.Box.Fault = new DropAfterIdleFault(TimeSpan.Zero); // every flow counts as idle: drop from the next chunk on
        await Wire.SendAsync(hop.Client, "after"u8.ToArray());
        await Wire.SendAsync(hop.Target, "after"u8.ToArray());
        var client = Wire.ReadToEndAsync(hop.Client, Wire.Silence);
        var target = Wire.ReadToEndAsync(hop.Target, Wire.Silence);
        var (atClient, atTarget) = (await client, await target);

        Assert.Equal((0, ReadEndKind.Silence), (atClient.Bytes.Length, atClient.Kind));
        Assert.Equal((0, ReadEndKind.Silence), (atTarget.Bytes.Length, atTarget.Kind));
        Assert.Single(lab.Timeline.Snapshot(), IsFaultSet);
        Assert.IsType<DropAfterIdleFault>(hop.Box.Fault);
    }

    [Fact]
    public async Task SetToResetWhileAFlowIsOpen_ItsNextChunkResetsBothSides()
    {
        await using var lab = new LabSandbox("mb-change-reset");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance, Box);
        await hop.ExchangeAsync("before"u8.ToArray(), "passes"u8.ToArray());

        hop.Box.Fault = ResetFault.AfterBytesIn(Direction.Upstream, 0); // the flow is already past 0 bytes: the next upstream chunk resets
        await lab.Timeline.WaitForAsync(IsFaultSet, Bound.Wait, "the fault change on the timeline");
        await Wire.SendAsync(hop.Client, "after"u8.ToArray());
        var (atClient, atTarget) = await hop.ReadBothToEndAsync(Bound.Wait);

        Assert.True(atClient.IsReset && atClient.Bytes.Length == 0, $"client: {atClient}");
        Assert.True(atTarget.IsReset && atTarget.Bytes.Length == 0, $"target: {atTarget}");
        var set = lab.Timeline.Snapshot().First(IsFaultSet);
        var reset = await lab.Timeline.WaitForAsync(EventKind.ClosedRst, Bound.Wait, Side.Middlebox, $"{Box}#1");
        Assert.True(set.At <= reset.At);
    }

    [Fact]
    public async Task SetToNoFaultAfterAResetFault_TheNextConnectionGetsThrough()
    {
        await using var lab = new LabSandbox("mb-change-off");
        using var listener = Wire.Listen();
        var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), ResetFault.Immediately(), Box);
        Assert.True((await Wire.ConnectAndReadToEndAsync(box.Endpoint, Bound.Wait)).IsReset);

        box.Fault = NoFault.Instance;
        using var second = await Wire.ConnectAsync(box.Endpoint);
        using var target = await Wire.AcceptAsync(listener);
        await Wire.SendAsync(second, "hi"u8.ToArray());

        Assert.Equal("hi"u8.ToArray(), await Wire.ReadExactlyAsync(target, 2));
    }

    /// <summary>The middlebox records a fault change as a note under its own name (flows use "name#n").</summary>
    private static bool IsFaultSet(LabEvent e) => e.Kind == EventKind.Note && e.Side == Side.Middlebox && e.Actor == Box;
}
