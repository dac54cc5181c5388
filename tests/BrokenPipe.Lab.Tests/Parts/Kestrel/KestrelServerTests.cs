using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Kestrel;

namespace BrokenPipe.Lab.Tests.Parts.Kestrel;

public sealed class KestrelServerTests
{
    private const string Client = "client";

    [Fact]
    public async Task StartAsync_Default_BindsLoopbackOnAKernelPortAndAccepts()
    {
        await using var lab = new LabSandbox("kestrel-start");

        var server = await KestrelServer.StartAsync(lab, x => x.WriteAsync(10));

        Assert.Equal(IPAddress.Loopback, server.Endpoint.Address);
        Assert.InRange(server.Port, 1, 65535);
        Assert.True(server.StartupTime > TimeSpan.Zero);
        await lab.Timeline.WaitForAsync(EventKind.PartStarted, Bound.Wait, Side.Lab, "kestrel");
        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client });
        Assert.Equal((200, 10L, true), (result.Status, result.BodyBytes, result.Complete));
    }

    [Fact]
    public async Task Handler_Writes_AreRecordedWithTheirIndexAndBytes()
    {
        await using var lab = new LabSandbox("kestrel-writes");
        var server = await KestrelServer.StartAsync(lab, async x =>
        {
            x.Context.Response.ContentLength = 300;
            await x.WriteAsync(100);
            await x.WriteAsync(200, flush: true);
        });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client });
        var done = await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, "kestrel#1");

        Assert.Equal((200, 300L, true), (result.Status, result.BodyBytes, result.Complete));
        var writes = lab.Timeline.Snapshot().Where(e => e.Kind == EventKind.ResponseWrite).ToList();
        Assert.Equal([(1, 100L), (2, 200L)], writes.Select(e => (e.Index!.Value, e.Bytes!.Value)));
        Assert.Equal(300, done.Bytes);
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Kind == EventKind.WriteIntoVoid);
    }

    [Fact]
    public async Task Handler_Throws_RecordsHandlerFailedAndKestrelLogsTheRequestFinishedWith500()
    {
        await using var lab = new LabSandbox("kestrel-handler-throws");
        var server = await KestrelServer.StartAsync(lab, _ => throw new InvalidOperationException("the handler is broken"));

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client });

        Assert.Equal(500, result.Status);
        var failed = await lab.Timeline.WaitForAsync(EventKind.HandlerFailed, Bound.Wait, Side.Server, "kestrel#1");
        Assert.Null(failed.Failure);
        var finished = await lab.Timeline.WaitForAsync(EventKind.KestrelRequestFinished, Bound.Wait, Side.Server);
        Assert.Equal(500, finished.Status);
        await lab.Timeline.WaitForAsync(EventKind.KestrelApplicationError, Bound.Wait, Side.Server);
    }

    [Fact]
    public async Task Client_ClosesAtOnce_RequestAbortedFiresAndALaterWriteGoesIntoTheVoid()
    {
        await using var lab = new LabSandbox("kestrel-client-leaves");
        var server = await KestrelServer.StartAsync(lab, async x =>
        {
            // The handler learns of the client's departure from Kestrel (RequestAborted), never from a sleep.
            await lab.Timeline.WaitForAsync(EventKind.RequestAborted, Bound.Wait, Side.Server, "kestrel#1");
            await x.WriteAsync(1000);
        });

        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client, CloseWhen = Trigger.AfterRequest });

        var aborted = await lab.Timeline.WaitForAsync(EventKind.RequestAborted, Bound.Wait, Side.Server, "kestrel#1");
        var intoVoid = await lab.Timeline.WaitForAsync(EventKind.WriteIntoVoid, Bound.Wait, Side.Server, "kestrel#1");
        Assert.True(aborted.At <= intoVoid.At);
        Assert.Equal((1, 1000L), (intoVoid.Index, intoVoid.Bytes));
        var done = await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, "kestrel#1");
        Assert.Equal(1000, done.Bytes);
        var events = lab.Timeline.Snapshot();
        Assert.DoesNotContain(events, e => e.Kind is EventKind.ResponseWrite or EventKind.WriteFailed);
        var first = lab.Timeline.FirstDisconnect();
        Assert.Equal((Side.Client, "FIN", Client), (first?.Side, first?.How, first?.Actor));
    }

    [Fact]
    public async Task LogCapture_ClientFin_RecordsKestrelReceivedFin()
    {
        await using var lab = new LabSandbox("kestrel-log-fin");
        var server = await KestrelServer.StartAsync(lab, x => x.WriteAsync(100));

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client });

        Assert.True(result.Complete);
        var fin = await lab.Timeline.WaitForAsync(EventKind.KestrelReceivedFin, Bound.Wait, Side.Server, "kestrel");
        Assert.Equal(SocketFailure.EndOfStream, fin.Failure);
        var events = lab.Timeline.Snapshot().ToList();
        Assert.InRange(events.FindIndex(e => e.Kind == EventKind.ClosedFin && e.Side == Side.Client), 0, events.IndexOf(fin) - 1);
        // The FIN is what the client did, not a disconnect by the server.
        Assert.Equal(Side.Client, lab.Timeline.FirstDisconnect()?.Side);
    }

    [Fact]
    public async Task LogCapture_ClientRst_RecordsKestrelResetWithEconnreset()
    {
        await using var lab = new LabSandbox("kestrel-log-rst");
        // The RST may reach Kestrel before it has even parsed the request: the handler may never run.
        var server = await KestrelServer.StartAsync(lab, x => x.DelayAsync(TimeSpan.FromSeconds(30), honourAbort: true));

        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client, Close = CloseMode.Rst, CloseWhen = Trigger.AfterRequest });

        var reset = await lab.Timeline.WaitForAsync(EventKind.KestrelReset, Bound.Wait, Side.Server, "kestrel");
        Assert.Equal((SocketFailure.ConnectionReset, 104), (reset.Failure, reset.Errno));
        var first = lab.Timeline.FirstDisconnect();
        Assert.Equal((Side.Client, "RST"), (first?.Side, first?.How));
    }

    [Fact]
    public async Task DisposeAsync_OfTheLab_StopsKestrelAndThePortRefuses()
    {
        var lab = new LabSandbox("kestrel-dispose");
        int port;
        await using (lab)
        {
            var server = await KestrelServer.StartAsync(lab, x => x.WriteAsync(10));
            port = server.Port;
            Assert.True((await RawHttpClient.RunAsync(lab, server.Endpoint)).Complete);
        }

        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.PartStopped && e.Actor == "kestrel");
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }
}
