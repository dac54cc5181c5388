using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Tests.Clients;

public sealed class RawHttpClientTests
{
    private const string Server = "server";
    private const string Client = "client";

    [Fact]
    public async Task RunAsync_Default_ReadsTheWholeResponseAndClosesWithFin()
    {
        await using var lab = new LabSandbox("raw-client-default");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint);

        Assert.Equal((200, 3 * 4096L, true, false), (result.Status, result.BytesReceived, result.Complete, result.Truncated));
        Assert.Null(result.Failure);
        var events = lab.Timeline.Snapshot().Where(e => e.Side == Side.Client).Select(e => e.Kind).ToList();
        Assert.Equal(
            [EventKind.Connected, EventKind.RequestSent, EventKind.ResponseHeaders, EventKind.ResponseCompleted, EventKind.Received, EventKind.ClosedFin],
            events);
    }

    [Fact]
    public async Task CloseWhenAfterBytes_LargeResponse_ReadsExactlyThatManyBytes()
    {
        await using var lab = new LabSandbox("raw-client-after-bytes");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, ResponseBytes = 64 * 1024 });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client, CloseWhen = Trigger.AfterBytes(1000) });
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        Assert.Equal(1000, result.BytesReceived);
        Assert.False(result.Complete);
        var received = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Received && e.Actor == Client);
        Assert.Equal(1000, received.Bytes);
    }

    [Fact]
    public async Task CloseWhenAfterHeaders_HeadThenNothing_ClosesRightAfterTheHead()
    {
        await using var lab = new LabSandbox("raw-client-after-headers");
        using var peer = ScriptedPeer.Start("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");

        var result = await RawHttpClient.RunAsync(lab, peer.Endpoint, new RawHttpOptions { Name = Client, CloseWhen = Trigger.AfterHeaders });

        Assert.Equal((200, 0L, false, false), (result.Status, result.BodyBytes, result.Complete, result.Truncated));
        Assert.Null(result.Failure);
        Assert.Equal(0, await peer.Finished.WaitAsync(Bound.Wait)); // the peer read EOF: the client's FIN
        var kinds = lab.Timeline.Snapshot().Select(e => e.Kind).ToList();
        Assert.True(kinds.IndexOf(EventKind.ResponseHeaders) < kinds.IndexOf(EventKind.ClosedFin));
    }

    [Fact]
    public async Task RunAsync_PeerClosesMidBody_IsTruncatedAtEndOfStream()
    {
        await using var lab = new LabSandbox("raw-client-truncated");
        using var peer = ScriptedPeer.Start("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", closeAtOnce: true);

        var result = await RawHttpClient.RunAsync(lab, peer.Endpoint, new RawHttpOptions { Name = Client });

        Assert.Equal((200, 100L, 10L, false, true), (result.Status, result.ContentLength, result.BodyBytes, result.Complete, result.Truncated));
        Assert.Equal(SocketFailure.EndOfStream, result.Failure);
        var truncated = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.ResponseTruncated);
        Assert.Equal((Side.Client, SocketFailure.EndOfStream, 10L, 200), (truncated.Side, truncated.Failure, truncated.Bytes, truncated.Status));
    }

    [Fact]
    public async Task RunAsync_PeerResetsMidBody_FailsConnectionResetAndIsTruncated()
    {
        await using var lab = new LabSandbox("raw-client-reset");
        using var peer = ScriptedPeer.Start("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789", resetAtOnce: true);

        var result = await RawHttpClient.RunAsync(lab, peer.Endpoint, new RawHttpOptions { Name = Client });

        // The bytes queued before the RST are still read; the next read fails.
        Assert.Equal((200, 10L, true), (result.Status, result.BodyBytes, result.Truncated));
        Assert.Equal((SocketFailure.ConnectionReset, 104), (result.Failure, result.Errno));
        var failed = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.ReceiveFailed);
        Assert.Equal((Side.Client, SocketFailure.ConnectionReset, 104), (failed.Side, failed.Failure, failed.Errno));
        // The peer's RST came first, seen by the client's failed read; the client's close of a reset socket sends nothing.
        var first = lab.Timeline.FirstDisconnect();
        Assert.NotNull(first);
        Assert.Equal((Side.Server, "RST"), (first.Side, first.How));
    }

    [Fact]
    public async Task RunAsync_PeerClosesBeforeAnyHead_IsEndOfStream()
    {
        await using var lab = new LabSandbox("raw-client-no-head");
        using var peer = ScriptedPeer.Start("", closeAtOnce: true);

        var result = await RawHttpClient.RunAsync(lab, peer.Endpoint, new RawHttpOptions { Name = Client });

        Assert.Equal((null, false, SocketFailure.EndOfStream), (result.Status, result.Truncated, result.Failure));
        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.EndOfStream && e.Side == Side.Client && e.Failure == SocketFailure.EndOfStream);
    }

    [Fact]
    public async Task HalfClose_AfterTheRequest_KeepsReadingTheWholeResponse()
    {
        await using var lab = new LabSandbox("raw-client-half-close");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, WaitForPeerClose = true });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client, Close = CloseMode.HalfClose, CloseWhen = Trigger.AfterRequest });
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, Server);

        Assert.True(result.Complete);
        Assert.Equal(3 * 4096, result.BytesReceived);
        var events = lab.Timeline.Snapshot();
        var halfClosed = events.ToList().FindIndex(e => e.Kind == EventKind.HalfClosed && e.Actor == Client);
        var peerClosed = events.ToList().FindIndex(e => e.Kind == EventKind.PeerClosed && e.Actor == Server);
        var completed = events.ToList().FindIndex(e => e.Kind == EventKind.ResponseCompleted && e.Actor == Client);
        Assert.InRange(halfClosed, 0, peerClosed - 1); // the server wrote only after the client's FIN had arrived…
        Assert.InRange(peerClosed, 0, completed - 1); // …and the client still read everything
        Assert.DoesNotContain(events, e => e.Kind is EventKind.SendFailed or EventKind.ClosedRst);
        Assert.Equal((Side.Client, "FIN"), (lab.Timeline.FirstDisconnect()?.Side, lab.Timeline.FirstDisconnect()?.How));
    }

    [Fact]
    public async Task ReadModeStall_WithResumeWhen_StallsAtTheByteCountThenReadsTheRest()
    {
        await using var lab = new LabSandbox("raw-client-stall");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server });

        var result = await RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions
            {
                Name = Client,
                Read = ReadMode.Stall,
                StallAfterBytes = 100,
                ResumeWhen = Trigger.On(e => e.Kind == EventKind.HandlerCompleted && e.Actor == Server, "the server has finished"),
            });

        Assert.True(result.Complete);
        Assert.Equal(3 * 4096, result.BytesReceived);
        var events = lab.Timeline.Snapshot().ToList();
        var stalled = events.Single(e => e.Kind == EventKind.ReadStalled);
        Assert.Equal(100, stalled.Bytes);
        var serverDone = events.FindIndex(e => e.Kind == EventKind.HandlerCompleted && e.Actor == Server);
        var resumed = events.FindIndex(e => e.Kind == EventKind.ReadResumed);
        Assert.InRange(events.IndexOf(stalled), 0, resumed - 1);
        Assert.InRange(serverDone, 0, resumed - 1);
    }

    [Fact]
    public async Task ReadModeStall_WithoutResume_StallsUntilTheCloseTrigger()
    {
        await using var lab = new LabSandbox("raw-client-stall-close");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server });

        var result = await RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions
            {
                Name = Client,
                Read = ReadMode.Stall,
                CloseWhen = Trigger.On(e => e.Kind == EventKind.HandlerCompleted && e.Actor == Server, "the server has finished"),
            });

        Assert.Equal(0, result.BytesReceived);
        Assert.False(result.Complete);
        var events = lab.Timeline.Snapshot();
        Assert.Contains(events, e => e.Kind == EventKind.ReadStalled && e.Bytes == 0);
        Assert.DoesNotContain(events, e => e.Kind == EventKind.ReadResumed);
        // The response sits unread in the client's buffer: its close is an RST.
        var closed = Assert.Single(events, e => e.Side == Side.Client && e.Kind is EventKind.ClosedFin or EventKind.ClosedRst);
        Assert.Equal((EventKind.ClosedRst, 3 * 4096L), (closed.Kind, closed.Bytes));
    }

    [Fact]
    public async Task CloseWhenAfterTime_SilentServer_ClosesAtThatTime()
    {
        await using var lab = new LabSandbox("raw-client-after-time");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, WaitForPeerClose = true });
        var clock = Stopwatch.StartNew();

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client, CloseWhen = Trigger.After(TimeSpan.FromMilliseconds(100)) });

        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(90), Bound.Wait);
        Assert.Null(result.Failure);
        await lab.Timeline.WaitForAsync(EventKind.PeerClosed, Bound.Wait, Side.Server, Server);
    }

    [Fact]
    public async Task RunAsync_ClosedPort_FailsRefusedWithErrno111()
    {
        await using var lab = new LabSandbox("raw-client-refused");
        var port = LabSandbox.FreePort(); // from the kernel, and nothing listens on it any more

        var result = await RawHttpClient.RunAsync(lab, new IPEndPoint(IPAddress.Loopback, port), new RawHttpOptions { Name = Client });

        Assert.Equal((SocketFailure.Refused, 111), (result.Failure, result.Errno));
        Assert.Equal(0, result.BytesReceived);
        var failed = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.RequestFailed);
        Assert.Equal((Side.Client, SocketFailure.Refused, 111, Client), (failed.Side, failed.Failure, failed.Errno, failed.Actor));
    }

    [Fact]
    public async Task Deadline_ServerNeverAnswers_GivesUpWithTimedOut()
    {
        await using var lab = new LabSandbox("raw-client-deadline");
        // The server answers only after the client has left: the client's own deadline must end the exchange.
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Server, WaitForPeerClose = true });
        // A first exchange warms the process up: on a cold one a connect can outlast a short deadline (see the skipped test below).
        var warm = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "warm" });
        Assert.True((await RawHttpClient.RunAsync(lab, warm.Endpoint, new RawHttpOptions { Name = "warm-client" })).Complete);
        var deadline = TimeSpan.FromMilliseconds(200);
        var clock = Stopwatch.StartNew();

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client, Deadline = deadline });

        Assert.InRange(clock.Elapsed, deadline - TimeSpan.FromMilliseconds(20), Bound.Wait);
        Assert.Equal(SocketFailure.TimedOut, result.Failure);
        Assert.Null(result.Status);
        var failed = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.RequestFailed);
        Assert.Equal((Side.Client, SocketFailure.TimedOut), (failed.Side, failed.Failure));
        // The client left with a FIN, which the waiting server then saw.
        var peerClosed = await lab.Timeline.WaitForAsync(EventKind.PeerClosed, Bound.Wait, Side.Server, Server);
        var left = Assert.Single(lab.Timeline.Snapshot(), e => e.Actor == Client && e.Kind is EventKind.ClosedFin or EventKind.ClosedRst);
        Assert.Equal(EventKind.ClosedFin, left.Kind);
        Assert.True(left.At <= peerClosed.At);
    }

    [Fact]
    public async Task Deadline_RunsOutDuringTheConnect_GivesUpWithTimedOut()
    {
        await using var lab = new LabSandbox("raw-client-connect-deadline");
        // A listener with backlog 0 whose one queue slot is taken: Linux drops every further SYN, so a connect hangs (SYN retries).
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        using var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await filler.ConnectAsync(listener.LocalEndPoint!);

        var result = await RawHttpClient.RunAsync(lab, (IPEndPoint)listener.LocalEndPoint!, new RawHttpOptions { Name = Client, Deadline = TimeSpan.FromMilliseconds(200) });

        Assert.Equal(SocketFailure.TimedOut, result.Failure);
        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.RequestFailed && e.Failure == SocketFailure.TimedOut);
    }

    /// <summary>
    /// A one-connection peer on a real loopback socket that sends a fixed script: it reads the request head, writes
    /// <c>response</c>, then closes at once (FIN), resets at once (RST), or reads until the client's close and reports what the last read returned.
    /// </summary>
    private sealed class ScriptedPeer : IDisposable
    {
        private readonly Socket _listener;

        private ScriptedPeer(Socket listener, Task<int> finished)
        {
            _listener = listener;
            Finished = finished;
        }

        public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndPoint!;

        /// <summary>0 once the peer has read the client's FIN (or -1 when it closed, or reset, first).</summary>
        public Task<int> Finished { get; }

        public static ScriptedPeer Start(string response, bool closeAtOnce = false, bool resetAtOnce = false)
        {
            var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            return new ScriptedPeer(listener, ServeAsync(listener, Encoding.ASCII.GetBytes(response), closeAtOnce, resetAtOnce));
        }

        public void Dispose() => _listener.Dispose();

        private static async Task<int> ServeAsync(Socket listener, byte[] response, bool closeAtOnce, bool resetAtOnce)
        {
            using var bound = new CancellationTokenSource(Bound.Wait);
            using var socket = await listener.AcceptAsync(bound.Token);
            var buffer = new byte[4096];
            var head = new StringBuilder();
            while (!head.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
                if (n == 0) return -1;
                head.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
            if (response.Length > 0) await socket.SendAsync(response, SocketFlags.None, bound.Token);
            if (resetAtOnce)
            {
                socket.LingerState = new LingerOption(true, 0);
                return -1;
            }
            if (closeAtOnce)
            {
                socket.Shutdown(SocketShutdown.Send);
                return -1;
            }
            return await socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
        }
    }
}
