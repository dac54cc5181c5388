using BrokenPipe.Lab.Parts.Kestrel;
using Xunit.Abstractions;

namespace BrokenPipe.Lab.Tests.Parts.Kestrel;

/// <summary>
/// When Kestrel itself ends a connection, RequestAborted fires as it does for a client that left: the narration must
/// tell the server's decision, and the first disconnect must be the server's.
/// </summary>
public sealed class KestrelServerAbortTests(ITestOutputHelper output)
{
    private const string Client = "client";
    private const string ClientLeft = "Kestrel saw the client go";

    [Fact]
    public async Task Handler_CallsAbort_RequestAbortedIsToldAsTheServersDecision()
    {
        await using var lab = new LabSandbox("kestrel-app-abort");
        var server = await KestrelServer.StartAsync(lab, async x =>
        {
            x.Abort();
            await lab.Timeline.WaitForAsync(EventKind.RequestAborted, Bound.Wait, Side.Server, "kestrel#1");
        });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client });

        var aborted = await lab.Timeline.WaitForAsync(EventKind.RequestAborted, Bound.Wait, Side.Server, "kestrel#1");
        Dump(lab);
        Assert.Contains("the server aborted the connection itself (the application called HttpContext.Abort())", aborted.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(ClientLeft, aborted.Detail, StringComparison.Ordinal);
        Assert.Null(result.Status);
        var first = lab.Timeline.FirstDisconnect();
        Assert.Equal(Side.Server, first?.Side);
    }

    [Fact]
    public async Task Handler_CallsContextAbortDirectly_KestrelsOwnLogNamesTheApplication()
    {
        await using var lab = new LabSandbox("kestrel-context-abort");
        // Not the lab's verb: the user's handler calls HttpContext.Abort() itself, and only Kestrel's log can tell.
        var server = await KestrelServer.StartAsync(lab, async x =>
        {
            x.Context.Abort();
            await lab.Timeline.WaitForAsync(EventKind.RequestAborted, Bound.Wait, Side.Server, "kestrel#1");
        });

        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = Client });

        var aborted = await lab.Timeline.WaitForAsync(EventKind.RequestAborted, Bound.Wait, Side.Server, "kestrel#1");
        Assert.Contains("HttpContext.Abort()", aborted.Detail, StringComparison.Ordinal);
        Assert.Equal(Side.Server, lab.Timeline.FirstDisconnect()?.Side);
    }

    [Fact]
    public async Task MinResponseDataRate_StalledReader_RequestAbortedIsToldAsKestrelsDecision()
    {
        await using var lab = new LabSandbox("kestrel-min-rate");
        var server = await KestrelServer.StartAsync(
            lab,
            x => x.StreamAsync(100L * 1024 * 1024, honourAbort: true),
            new KestrelOptions { MinResponseDataRate = new DataRate(1024 * 1024, TimeSpan.FromSeconds(2)) });

        // The client stops reading at once and is still there, reading again, when Kestrel gives up on it.
        var result = await RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions
            {
                Name = Client,
                Read = ReadMode.Stall,
                ReceiveBuffer = 4096,
                ResumeWhen = Trigger.On(e => e.Kind == EventKind.KestrelSendingRst, "Kestrel has reset the connection"),
                CloseWhen = Trigger.After(TimeSpan.FromSeconds(20)),
            });

        // Whichever the handler meets first tells it: RequestAborted, or the response pipe completed by Kestrel's abort
        // (then RequestAborted may never fire: the handler has returned before Kestrel cancels the token).
        var aborted = await lab.Timeline.WaitForAsync(
            e => e.Actor == "kestrel#1" && (e.Kind == EventKind.RequestAborted || (e.Kind == EventKind.Note && e.Detail.Contains("FlushResult", StringComparison.Ordinal))),
            Bound.Wait,
            "RequestAborted, or the response pipe's end, on kestrel#1");
        Dump(lab);
        Assert.Contains("the server aborted the connection itself (the client did not read the response at Kestrel's MinResponseDataRate)", aborted.Detail, StringComparison.Ordinal);
        var decision = await lab.Timeline.WaitForAsync(EventKind.KestrelMinDataRateAbort, Bound.Wait, Side.Server);
        Assert.True(decision.At <= aborted.At);
        Assert.Equal(Errno.ECONNRESET, result.Errno);
        var first = lab.Timeline.FirstDisconnect();
        Assert.Equal((Side.Server, "RST"), (first?.Side, first?.How));
        var summary = await lab.Timeline.WaitForAsync(EventKind.WorkSummary, Bound.Wait, Side.Server, "kestrel#1");
        Assert.Equal(0, summary.Bytes);
    }

    [Fact]
    public async Task MinRequestBodyDataRate_BodyStalls_TheServerTimesOutWith408InItsOwnWords()
    {
        await using var lab = new LabSandbox("kestrel-body-timeout");
        var server = await KestrelServer.StartAsync(
            lab,
            async x =>
            {
                await x.ReadBodyAsync();
                await x.WriteAsync(10);
            },
            new KestrelOptions { MinRequestBodyDataRate = new DataRate(240, TimeSpan.FromSeconds(2)) });

        // Content-Length promises 100,000 bytes and only 10 come: the body stalls, and the client is still there.
        var result = await RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions { Name = Client, Method = "POST", UploadBytes = 10, Headers = ["Content-Length: 100000"], CloseWhen = Trigger.After(TimeSpan.FromSeconds(20)) });

        await lab.Timeline.WaitForAsync(EventKind.HandlerFailed, Bound.Wait, Side.Server, "kestrel#1");
        Dump(lab);
        // Kestrel's request timeout does not fire RequestAborted: the handler's read fails with Kestrel's own words.
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Kind == EventKind.RequestAborted);
        var failed = await lab.Timeline.WaitForAsync(EventKind.ReceiveFailed, Bound.Wait, Side.Server, "kestrel#1");
        Assert.Contains("MinRequestBodyDataRate", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(408, result.Status);
        var finished = await lab.Timeline.WaitForAsync(EventKind.KestrelRequestFinished, Bound.Wait, Side.Server);
        Assert.Equal(408, finished.Status);
        // Not asserted: whose FIN comes first after the complete 408. Kestrel closes after it, and the client closes as
        // soon as it has read it; either may be logged first (seen both ways under load).
    }

    private void Dump(LabSandbox lab)
    {
        foreach (var e in lab.Timeline.Snapshot()) output.WriteLine(e.ToString());
        output.WriteLine($"first: {lab.Timeline.FirstDisconnect()}");
    }
}
