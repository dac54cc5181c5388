using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class BlackholeFaultTests
{
    private const string Target = "target";

    [Fact]
    public async Task Connect_SendsSucceedButReadsHearNothing_AndTheTargetIsNeverContacted()
    {
        await using var lab = new LabSandbox("mb-blackhole");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Target, Read = RequestRead.None, Http = false });
        var box = await TcpMiddlebox.StartAsync(lab, server.Endpoint, new BlackholeFault());

        using var client = await Wire.ConnectAsync(box.Endpoint);
        await lab.Timeline.WaitForAsync(EventKind.Accepted, Bound.Wait, Side.Middlebox, "middlebox#1");
        await Wire.SendAsync(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        await Wire.SendAsync(client, Wire.Pattern(1024 * 1024)); // more than the buffers hold: the middlebox reads and discards it
        var end = await Wire.ReadToEndAsync(client, Wire.Silence);

        Assert.Equal((0, ReadEndKind.Silence), (end.Bytes.Length, end.Kind));
        var events = lab.Timeline.Snapshot();
        Assert.DoesNotContain(events, e => e.Kind == EventKind.Accepted && e.Side == Side.Server);
        Assert.DoesNotContain(events, e => e.Kind == EventKind.Connected && e.Side == Side.Middlebox);
        Assert.DoesNotContain(events, e => e.Side == Side.Middlebox && e.Kind is EventKind.ClosedRst or EventKind.ClosedFin);
    }

    [Fact]
    public async Task HalfClose_ClientsFinIsSwallowed_ItsReadStillHearsNothing()
    {
        await using var lab = new LabSandbox("mb-blackhole-fin");
        using var listener = Wire.Listen();
        var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), new BlackholeFault());

        using var client = await Wire.ConnectAsync(box.Endpoint);
        await Wire.SendAsync(client, "request"u8.ToArray());
        client.Shutdown(SocketShutdown.Send); // a client that half-closes and waits for its answer
        var end = await Wire.ReadToEndAsync(client, Wire.Silence);

        Assert.Equal((0, ReadEndKind.Silence), (end.Bytes.Length, end.Kind));
    }
}
