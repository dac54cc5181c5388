using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class TcpMiddleboxLifetimeTests
{
    [Fact]
    public async Task StartAsync_Default_ListensOnLoopbackAndRecordsThePart()
    {
        await using var lab = new LabSandbox("mb-start");
        using var listener = Wire.Listen();

        var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), name: "lb");

        Assert.Equal(IPAddress.Loopback, box.Endpoint.Address);
        Assert.InRange(box.Endpoint.Port, 1, 65535);
        Assert.IsType<NoFault>(box.Fault);
        Assert.Equal(Side.Middlebox, lab.SideListeningAt(box.Endpoint));
        Assert.Equal(Side.Middlebox, lab.SideConnectingTo(Wire.EndpointOf(listener)));
        await lab.Timeline.WaitForAsync(EventKind.PartStarted, Bound.Wait, Side.Lab, "lb");
    }

    [Fact]
    public async Task DisposeOfTheLab_StopsTheMiddlebox_ConnectingAfterwardsIsRefused()
    {
        var lab = new LabSandbox("mb-dispose-refused");
        IPEndPoint endpoint;
        using var listener = Wire.Listen();
        await using (lab)
        {
            var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener));
            endpoint = box.Endpoint;
        }

        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.PartStopped && e.Actor == "middlebox");
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(endpoint));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task DisposeOfTheLab_OpenFlow_IsClosedOnBothSides()
    {
        await using var lab = new LabSandbox("mb-dispose-flow");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance);
        await hop.ExchangeAsync("ping"u8.ToArray(), "pong"u8.ToArray());

        await lab.DisposeAsync();
        var (atClient, atTarget) = await hop.ReadBothToEndAsync(Bound.Wait);

        // Closed, not left hanging: a FIN (EOF), or an RST where bytes were still unread.
        Assert.True(atClient.Kind == ReadEndKind.Eof || atClient.IsReset, $"client: {atClient}");
        Assert.True(atTarget.Kind == ReadEndKind.Eof || atTarget.IsReset, $"target: {atTarget}");
        Assert.Empty(atClient.Bytes);
        Assert.Empty(atTarget.Bytes);
    }

    [Fact]
    public async Task TargetRefuses_ClientGetsEconnreset_AndTheMiddleboxRecordsTheRefusal()
    {
        await using var lab = new LabSandbox("mb-target-refuses");
        IPEndPoint nobody;
        using (var closed = Wire.Listen()) nobody = Wire.EndpointOf(closed); // a port nothing listens on any more
        var box = await TcpMiddlebox.StartAsync(lab, nobody);

        var end = await Wire.ConnectAndReadToEndAsync(box.Endpoint, Bound.Wait);
        var failed = await lab.Timeline.WaitForAsync(EventKind.RequestFailed, Bound.Wait, Side.Middlebox, "middlebox#1");

        Assert.True(end.IsReset && end.Bytes.Length == 0, $"client: {end}");
        Assert.Equal((SocketFailure.Refused, Errno.ECONNREFUSED), (failed.Failure, failed.Errno));
        await lab.Timeline.WaitForAsync(EventKind.ClosedRst, Bound.Wait, Side.Middlebox, "middlebox#1");
    }
}
