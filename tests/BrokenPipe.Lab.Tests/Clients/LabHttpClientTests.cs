using System.Net;
using System.Net.Sockets;
using System.Text;
using BrokenPipe.Lab.Parts.Kestrel;

namespace BrokenPipe.Lab.Tests.Clients;

public sealed class LabHttpClientTests
{
    [Fact]
    public async Task GetAsync_ToKestrel_Returns200WithTheWholeBody()
    {
        await using var lab = new LabSandbox("httpclient-get");
        var server = await KestrelServer.StartAsync(lab, x => x.WriteAsync(x.Context.Request.Path == "/hello" ? 5000 : 1));
        var client = LabHttpClient.Create(lab);

        var result = await client.GetAsync(new Uri($"http://{server.Endpoint}/hello"));

        Assert.Equal((200, 5000L, 5000L, true), (result.Status, result.BodyBytes, result.ContentLength, result.Complete));
        Assert.Null(result.Failure);
        Assert.Null(result.Error);
        var events = lab.Timeline.Snapshot();
        Assert.Contains(events, e => e.Kind == EventKind.Connected && e.Actor == "httpclient-conn#1");
        var completed = Assert.Single(events, e => e.Kind == EventKind.ResponseCompleted);
        Assert.Equal((Side.Client, "httpclient#1", 5000L, 200), (completed.Side, completed.Actor, completed.Bytes, completed.Status));
        await lab.Timeline.WaitForAsync(EventKind.RequestReceived, Bound.Wait, Side.Server, "kestrel#1");
    }

    [Fact]
    public async Task GetAsync_TwoRequests_ReuseOnePooledConnection()
    {
        await using var lab = new LabSandbox("httpclient-pool");
        var server = await KestrelServer.StartAsync(lab, x => x.WriteAsync(10));
        var client = LabHttpClient.Create(lab);

        await client.GetAsync(new Uri($"http://{server.Endpoint}/1"));
        await client.GetAsync(new Uri($"http://{server.Endpoint}/2"));

        Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Connected && e.Side == Side.Client);
    }

    [Fact]
    public async Task Timeout_ShorterThanTheHandlersWork_FailsTimedOutAndClosesTheConnectionWithFin()
    {
        await using var lab = new LabSandbox("httpclient-timeout");
        // The slow handler honours RequestAborted, so it stops as soon as the client has gone: the test never waits out its work.
        var server = await KestrelServer.StartAsync(lab, x => x.Context.Request.Path == "/slow" ? x.DelayAsync(TimeSpan.FromSeconds(30), honourAbort: true) : x.WriteAsync(1));
        // On a cold process the first request takes longer than the short timeout: the timeout then fires while the connection is
        // still being made, SocketsHttpHandler finishes the connect anyway and pools the connection, idle, and nothing is closed.
        // So a patient client warms the process up first, and the impatient one opens its pooled connection with a quick request.
        var warmup = LabHttpClient.Create(lab, new LabHttpClientOptions { Name = "warmup" });
        Assert.True((await warmup.GetAsync(new Uri($"http://{server.Endpoint}/warm"))).Complete);
        var timeout = TimeSpan.FromMilliseconds(300);
        var client = LabHttpClient.Create(lab, new LabHttpClientOptions { Timeout = timeout });
        Assert.True((await client.GetAsync(new Uri($"http://{server.Endpoint}/warm"))).Complete);

        var result = await client.GetAsync(new Uri($"http://{server.Endpoint}/slow"));

        Assert.Equal((SocketFailure.TimedOut, (int?)null, (int?)null, false), (result.Failure, result.Errno, result.Status, result.Complete));
        Assert.InRange(result.Elapsed, timeout - TimeSpan.FromMilliseconds(20), Bound.Wait);
        Assert.Contains("TimeoutException", result.Error);
        var failed = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.RequestFailed);
        Assert.Equal((Side.Client, SocketFailure.TimedOut, "httpclient#2"), (failed.Side, failed.Failure, failed.Actor));
        var closed = await lab.Timeline.WaitForAsync(
            e => e.Side == Side.Client && e.Actor == "httpclient-conn#1" && e.Kind is EventKind.ClosedFin or EventKind.ClosedRst,
            Bound.Wait,
            "the client's connection to close");
        Assert.Equal(EventKind.ClosedFin, closed.Kind);
        // Kestrel saw the FIN: the handler's work stopped with RequestAborted.
        await lab.Timeline.WaitForAsync(EventKind.RequestAborted, Bound.Wait, Side.Server, "kestrel#3");
        var stopped = await lab.Timeline.WaitForAsync(EventKind.HandlerFailed, Bound.Wait, Side.Server, "kestrel#3");
        Assert.Equal(SocketFailure.Canceled, stopped.Failure);
        Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Connected && e.Actor == "httpclient-conn#1"); // the slow request reused it
        Assert.Equal((Side.Client, "FIN"), (lab.Timeline.FirstDisconnect()?.Side, lab.Timeline.FirstDisconnect()?.How));
    }

    [Fact]
    public async Task GetAsync_ClosedPort_FailsRefusedWithErrno111()
    {
        await using var lab = new LabSandbox("httpclient-refused");
        var client = LabHttpClient.Create(lab);

        var result = await client.GetAsync(new Uri($"http://{new IPEndPoint(IPAddress.Loopback, LabSandbox.FreePort())}/"));

        Assert.Equal((SocketFailure.Refused, 111), (result.Failure, result.Errno));
        Assert.Null(result.Status);
    }

    [Fact]
    public async Task GetAsync_CallersToken_IsNotSwallowed()
    {
        await using var lab = new LabSandbox("httpclient-caller-cancels");
        var server = await KestrelServer.StartAsync(lab, x => x.DelayAsync(TimeSpan.FromSeconds(30), honourAbort: true));
        var client = LabHttpClient.Create(lab);
        using var cts = new CancellationTokenSource();
        var call = client.GetAsync(new Uri($"http://{server.Endpoint}/slow"), cts.Token);
        await lab.Timeline.WaitForAsync(EventKind.Waiting, Bound.Wait, Side.Server, "kestrel#1");

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await lab.Timeline.WaitForAsync(EventKind.HandlerFailed, Bound.Wait, Side.Server, "kestrel#1");
    }

    [Fact]
    public async Task Dispose_PooledConnectionThePeerReset_RecordsNoFin()
    {
        await using var lab = new LabSandbox("httpclient-reset-then-dispose");
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var client = LabHttpClient.Create(lab);
        var uri = new Uri($"http://{listener.LocalEndPoint}/");

        // A keep-alive answer puts the connection back in the pool; then the server resets it (SO_LINGER 0). On loopback
        // the RST reaches the client's socket within the server's close(), so the pooled socket is in CLOSE after it.
        using (var first = await AnswerAsync(listener, client.GetAsync(uri), "Content-Length: 2"))
        {
            first.LingerState = new LingerOption(true, 0);
        }
        // The next request finds the pooled connection dead, disposes it and opens a new one.
        using (await AnswerAsync(listener, client.GetAsync(uri), "Content-Length: 2\r\nConnection: close")) { }

        var disposed = await lab.Timeline.WaitForAsync(e => e.Actor == "httpclient-conn#1" && e.Kind is EventKind.Note or EventKind.ClosedFin or EventKind.ClosedRst, Bound.Wait, "the reset connection's disposal");
        Assert.Equal(EventKind.Note, disposed.Kind);
        Assert.Equal((Side.Server, "RST"), (lab.Timeline.FirstDisconnect()?.Side, lab.Timeline.FirstDisconnect()?.How));
    }

    /// <summary>Accepts the request's connection, reads its head, answers 200 "ok" with the given headers, and returns the socket.</summary>
    private static async Task<Socket> AnswerAsync(Socket listener, Task<LabHttpResult> request, string headers)
    {
        var server = await listener.AcceptAsync().WaitAsync(Bound.Wait);
        var head = new byte[4096];
        var read = 0;
        while (!Encoding.ASCII.GetString(head, 0, read).Contains("\r\n\r\n")) read += await server.ReceiveAsync(head.AsMemory(read)).AsTask().WaitAsync(Bound.Wait);
        await server.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\n{headers}\r\n\r\nok"), SocketFlags.None);
        Assert.True((await request.WaitAsync(Bound.Wait)).Complete);
        return server;
    }
}
