using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Tests.Parts.RawTcp;

public sealed class RawTcpServerTests
{
    private const string Server = "server";

    [Fact]
    public async Task StartAsync_Default_ListensOnLoopbackOnAKernelPort()
    {
        await using var lab = new LabSandbox("raw-start");

        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server });

        Assert.Equal(IPAddress.Loopback, server.Endpoint.Address);
        Assert.InRange(server.Port, 1, 65535);
        Assert.Equal(server.Port, server.Endpoint.Port);
        await lab.Timeline.WaitForAsync(EventKind.PartStarted, Bound.Wait, Side.Lab, Server);
    }

    [Fact]
    public async Task Send_AfterThePeersFin_FirstSendSucceedsThenEpipe()
    {
        await using var lab = new LabSandbox("raw-fin");
        var server = await StartWaitingServerAsync(lab, new RawTcpServerOptions { Name = Server });

        await RunClosingClientAsync(lab, server, CloseMode.Fin);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        var events = lab.Timeline.Snapshot();
        var sent = Assert.Single(events, e => e.Kind == EventKind.Sent && e.Actor == Server);
        Assert.Equal((1, 4096L), (sent.Index, sent.Bytes));
        var failed = events.Where(e => e.Kind == EventKind.SendFailed && e.Actor == Server).ToList();
        Assert.Equal([2, 3], failed.Select(e => e.Index!.Value));
        Assert.All(failed, e => Assert.Equal((SocketFailure.BrokenPipe, 32), (e.Failure, e.Errno)));
        var first = lab.Timeline.FirstDisconnect();
        Assert.Equal((Side.Client, "FIN"), (first?.Side, first?.How));
        var clientClosed = Index(events, EventKind.ClosedFin, Side.Client);
        var serverSawIt = Index(events, EventKind.PeerClosed, Side.Server);
        Assert.InRange(clientClosed, 0, serverSawIt - 1);
    }

    [Fact]
    public async Task Send_AfterThePeersRst_FirstSendFailsWithEconnresetThenEpipe()
    {
        await using var lab = new LabSandbox("raw-rst");
        var server = await StartWaitingServerAsync(lab, new RawTcpServerOptions { Name = Server });

        await RunClosingClientAsync(lab, server, CloseMode.Rst);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        var events = lab.Timeline.Snapshot();
        Assert.DoesNotContain(events, e => e.Kind == EventKind.Sent && e.Actor == Server);
        var failed = events.Where(e => e.Kind == EventKind.SendFailed && e.Actor == Server).ToList();
        Assert.Equal([1, 2, 3], failed.Select(e => e.Index!.Value));
        Assert.Equal((SocketFailure.ConnectionReset, 104), (failed[0].Failure, failed[0].Errno));
        Assert.Equal((SocketFailure.BrokenPipe, 32), (failed[1].Failure, failed[1].Errno));
        var first = lab.Timeline.FirstDisconnect();
        Assert.Equal((Side.Client, "RST"), (first?.Side, first?.How));
    }

    [Fact]
    public async Task Recv_AfterThePeersRst_FailsWithEconnresetOnceThenReadsEof()
    {
        await using var lab = new LabSandbox("raw-rst-recv");
        var server = await StartWaitingServerAsync(lab, new RawTcpServerOptions { Name = Server, RecvProbesBeforeSend = 2 });

        await RunClosingClientAsync(lab, server, CloseMode.Rst);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        var events = lab.Timeline.Snapshot();
        var recv1 = Assert.Single(events, e => e.Kind == EventKind.ReceiveFailed && e.Actor == Server);
        Assert.Equal((1, SocketFailure.ConnectionReset, 104), (recv1.Index, recv1.Failure, recv1.Errno));
        var recv2 = Assert.Single(events, e => e.Kind == EventKind.EndOfStream && e.Actor == Server);
        Assert.Equal((2, SocketFailure.EndOfStream), (recv2.Index, recv2.Failure));
        Assert.True(events.ToList().IndexOf(recv1) < events.ToList().IndexOf(recv2));
        // The recv consumed the pending ECONNRESET: the send after it sees EPIPE.
        var send1 = events.First(e => e.Kind == EventKind.SendFailed && e.Actor == Server);
        Assert.Equal((1, 32), (send1.Index, send1.Errno));
    }

    [Fact]
    public async Task WriteResponse_ResponseBytesEqualToOneChunk_IsOneSendWithoutFailure()
    {
        await using var lab = new LabSandbox("raw-one-chunk");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, ResponseBytes = 4096, ChunkBytes = 4096 });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        var events = lab.Timeline.Snapshot();
        var sent = Assert.Single(events, e => e.Kind == EventKind.Sent && e.Actor == Server);
        Assert.Equal((1, 4096L), (sent.Index, sent.Bytes));
        Assert.DoesNotContain(events, e => e.Kind == EventKind.SendFailed);
        Assert.Equal((200, 4096L, true), (result.Status, result.BytesReceived, result.Complete));
        Assert.Equal(result.ContentLength, result.BodyBytes); // the head's Content-Length makes head + body exactly N
    }

    [Fact]
    public async Task WriteResponse_ChunkBytesThatDoNotDivideN_LastSendIsTheRemainder()
    {
        await using var lab = new LabSandbox("raw-chunks");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, ResponseBytes = 10_000, ChunkBytes = 3000 });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        var sends = lab.Timeline.Snapshot().Where(e => e.Kind == EventKind.Sent && e.Actor == Server).ToList();
        Assert.Equal([1, 2, 3, 4], sends.Select(e => e.Index!.Value));
        Assert.Equal([3000L, 3000L, 3000L, 1000L], sends.Select(e => e.Bytes!.Value));
        Assert.Equal(10_000, result.BytesReceived);
        Assert.True(result.Complete);
        Assert.Null(result.Failure);
    }

    [Fact]
    public async Task WriteResponse_MoreSendsThanRecordedInDetail_TheRestAreSummedUp()
    {
        await using var lab = new LabSandbox("raw-summary");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, ResponseBytes = 10 * 1000, ChunkBytes = 1000, SendsRecordedInDetail = 3 });

        await RawHttpClient.RunAsync(lab, server.Endpoint);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        var events = lab.Timeline.Snapshot();
        Assert.Equal([1, 2, 3], events.Where(e => e.Kind == EventKind.Sent && e.Actor == Server).Select(e => e.Index!.Value));
        var summary = Assert.Single(events, e => e.Kind == EventKind.Measured && e.Actor == Server);
        Assert.Equal((new Measurement("send-calls", 10, "calls"), 10_000L), (summary.Measurement, summary.Bytes));
    }

    [Fact]
    public async Task WriteResponse_HttpOff_SendsOnlyFillerBytes()
    {
        await using var lab = new LabSandbox("raw-no-http");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, Http = false, ResponseBytes = 100, ChunkBytes = 100 });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(server.Endpoint);
        await socket.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), SocketFlags.None);

        var received = new List<byte>();
        var buffer = new byte[1024];
        using var bound = new CancellationTokenSource(Bound.Wait);
        int n;
        while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token)) > 0) received.AddRange(buffer.AsSpan(0, n));

        Assert.Equal(100, received.Count);
        Assert.All(received, b => Assert.Equal((byte)'x', b));
    }

    [Fact]
    public async Task AbandonIfPeerClosed_PeerHasClosed_WritesNothing()
    {
        await using var lab = new LabSandbox("raw-abandon");
        var server = await StartWaitingServerAsync(lab, new RawTcpServerOptions { Name = Server, AbandonIfPeerClosed = true });

        await RunClosingClientAsync(lab, server, CloseMode.Fin);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        var events = lab.Timeline.Snapshot();
        Assert.Contains(events, e => e.Kind == EventKind.PeerClosed && e.Actor == Server);
        Assert.DoesNotContain(events, e => e.Actor == Server && e.Kind is EventKind.Sent or EventKind.SendFailed);
        Assert.DoesNotContain(events, e => e.Actor == Server && e.Kind == EventKind.Note && e.Bytes is not null);
    }

    [Fact]
    public async Task AbandonIfPeerClosed_PeerStillThere_WritesTheResponse()
    {
        await using var lab = new LabSandbox("raw-abandon-not");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, AbandonIfPeerClosed = true });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint);

        Assert.True(result.Complete);
        Assert.Equal(3 * 4096, result.BytesReceived);
    }

    [Fact]
    public async Task ReadEverything_UploadedBody_IsDrainedBeforeTheResponse()
    {
        await using var lab = new LabSandbox("raw-read-all");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, Read = RequestRead.Everything });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Method = "POST", UploadBytes = 100_000 });
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        var body = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Received && e.Actor == Server);
        Assert.Equal(100_000, body.Bytes);
        Assert.Equal(100_000, result.Uploaded);
        Assert.True(result.Complete);
    }

    [Fact]
    public async Task StartAsync_ChunkBytesZero_Throws()
    {
        await using var lab = new LabSandbox("raw-bad-chunk");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => RawTcpServer.StartAsync(lab, new RawTcpServerOptions { ChunkBytes = 0 }));
        Assert.Contains("ChunkBytes must be at least 1 (was 0)", e.Message);
    }

    [Fact]
    public async Task DisposeAsync_OfTheLab_StopsTheServerAndThePortRefuses()
    {
        var lab = new LabSandbox("raw-dispose");
        int port;
        await using (lab)
        {
            var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server });
            port = server.Port;
            var served = await RawHttpClient.RunAsync(lab, server.Endpoint);
            Assert.True(served.Complete);
        }

        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.PartStopped && e.Actor == Server);
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task DisposeAsync_ConnectionBlockedInRecv_StopsAtOnceAndClosesTheConnection()
    {
        var lab = new LabSandbox("raw-dispose-blocked");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server });
        using var idle = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await idle.ConnectAsync(server.Endpoint);
        await lab.Timeline.WaitForAsync(EventKind.Accepted, Bound.Wait, Side.Server, Server); // its thread now waits in recv() for a request

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await lab.DisposeAsync();

        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            Assert.Equal(0, await idle.ReceiveAsync(new byte[16], SocketFlags.None, bound.Token)); // a FIN
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // an RST tells the peer too
        }
    }

    /// <summary>A server that sends 3 × 4096 bytes (going on after an error) only once the peer's close has arrived.</summary>
    private static Task<RawTcpServer> StartWaitingServerAsync(LabSandbox lab, RawTcpServerOptions options) =>
        RawTcpServer.StartAsync(lab, options with { WaitForPeerClose = true, KeepSendingAfterError = true, ResponseBytes = 3 * 4096, ChunkBytes = 4096 });

    /// <summary>A client that closes (FIN or RST) as soon as the server has read its request.</summary>
    private static Task<RawHttpResult> RunClosingClientAsync(LabSandbox lab, RawTcpServer server, CloseMode close) =>
        RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions
            {
                Close = close,
                CloseWhen = Trigger.On(e => e.Kind == EventKind.RequestReceived && e.Side == Side.Server && e.Actor == Server, "the server has read the request"),
            });

    private static int Index(IReadOnlyList<LabEvent> events, EventKind kind, Side side)
    {
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Kind == kind && events[i].Side == side) return i;
        }
        return -1;
    }
}
