using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class DropAfterIdleFaultTests
{
    [Fact]
    public async Task IdleLongerThanT_SendsSucceedButNothingArrivesEitherWay_NoFinNoRst()
    {
        var t = TimeSpan.FromSeconds(1); // the first exchange must come within T of the connect, even on a cold, busy box
        await using var lab = new LabSandbox("mb-idle-drop");
        using var hop = await Hop.OpenAsync(lab, new DropAfterIdleFault(t));
        await hop.ExchangeAsync("ping"u8.ToArray(), "pong"u8.ToArray()); // within T: it passes

        await Task.Delay(t + TimeSpan.FromMilliseconds(300)); // the idle time is the behaviour under test
        await Wire.SendAsync(hop.Client, "late request"u8.ToArray());
        await Wire.SendAsync(hop.Target, "late push"u8.ToArray());
        var client = Wire.ReadToEndAsync(hop.Client, Wire.Silence);
        var target = Wire.ReadToEndAsync(hop.Target, Wire.Silence);
        var (atClient, atTarget) = (await client, await target);

        Assert.Equal((0, ReadEndKind.Silence), (atClient.Bytes.Length, atClient.Kind));
        Assert.Equal((0, ReadEndKind.Silence), (atTarget.Bytes.Length, atTarget.Kind));
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Side == Side.Middlebox && e.Kind is EventKind.ClosedRst or EventKind.ClosedFin);
    }

    [Fact]
    public async Task Dropping_SendsGoOnSucceeding()
    {
        var t = TimeSpan.FromMilliseconds(200);
        await using var lab = new LabSandbox("mb-idle-drop-sends");
        using var hop = await Hop.OpenAsync(lab, new DropAfterIdleFault(t));

        await Task.Delay(t + TimeSpan.FromMilliseconds(200)); // idle from the connection on: the first byte is already too late
        // 1 MB: far more than the socket buffers hold, so this returns only because the middlebox reads and discards it.
        await Wire.SendAsync(hop.Client, Wire.Pattern(1024 * 1024));
        var atTarget = await Wire.ReadToEndAsync(hop.Target, Wire.Silence);

        Assert.Equal((0, ReadEndKind.Silence), (atTarget.Bytes.Length, atTarget.Kind));
    }

    [Fact]
    public async Task Dropping_ClientHalfClosesAfterTheTargetsDroppedFin_ClientStillHearsNothing()
    {
        var t = TimeSpan.FromSeconds(1); // the first exchange must come within T of the connect, even on a cold, busy box
        await using var lab = new LabSandbox("mb-idle-drop-fin");
        using var hop = await Hop.OpenAsync(lab, new DropAfterIdleFault(t));
        await hop.ExchangeAsync("ping"u8.ToArray(), "pong"u8.ToArray());

        await Task.Delay(t + TimeSpan.FromMilliseconds(300)); // the idle time is the behaviour under test
        hop.Target.Shutdown(SocketShutdown.Send); // dropped: the client must not see it
        var early = await Wire.ReadToEndAsync(hop.Client, TimeSpan.FromMilliseconds(300));
        hop.Client.Shutdown(SocketShutdown.Send); // dropped too: nothing may answer it
        var atClient = await Wire.ReadToEndAsync(hop.Client, Wire.Silence);

        Assert.Equal(ReadEndKind.Silence, early.Kind);
        Assert.Equal((0, ReadEndKind.Silence), (atClient.Bytes.Length, atClient.Kind));
    }

    [Fact]
    public async Task Dropping_ClientCloses_ItsSwallowedFinIsRecordedAsTheClientsClose()
    {
        var t = TimeSpan.FromSeconds(1); // the first exchange must come within T of the connect, even on a cold, busy box
        await using var lab = new LabSandbox("mb-idle-drop-client-fin");
        using var hop = await Hop.OpenAsync(lab, new DropAfterIdleFault(t));
        await hop.ExchangeAsync("ping"u8.ToArray(), "pong"u8.ToArray());

        await Task.Delay(t + TimeSpan.FromMilliseconds(300)); // the idle time is the behaviour under test
        await Wire.SendAsync(hop.Client, "late request"u8.ToArray()); // dropped: the flow is blackholed from here on
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.FlowDropped, TimeSpan.FromSeconds(5), "the middlebox to drop the late request");
        hop.Client.Shutdown(SocketShutdown.Send); // a library giving up on a dead connection: its FIN is on the wire, swallowed by the middlebox

        // Like StackExchange.Redis closing a dead socket behind a blackholing load balancer (redis-idle-drop): the
        // packets have the client's FIN, so the timeline must too — the client's close, never a reply.
        var fin = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.PeerClosed, TimeSpan.FromSeconds(5), "the middlebox to see the client's FIN");
        var atTarget = await Wire.ReadToEndAsync(hop.Target, Wire.Silence);

        Assert.Equal((Side.Client, Side.Client, CloseHow.Fin, false), (fin.Peer, fin.From, fin.Closed, fin.Reply));
        Assert.Equal((0, ReadEndKind.Silence), (atTarget.Bytes.Length, atTarget.Kind)); // swallowed: the target never hears of it
        Assert.Equal(Side.Client, FirstDisconnect.Find([fin])!.Side);
    }
}
