using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Http;

/// <summary>Seed 000: "backpressure or overload delayed the response until the peer gave up".</summary>
internal static class ClientTimeout
{
    private static readonly TimeSpan Work = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongTimeout = TimeSpan.FromSeconds(5);

    public static Scenario Definition { get; } = new(
        ScenarioIds.ClientTimeout,
        "http",
        "The client's timeout is shorter than the work: it gives up, the server writes into a closed connection",
        Seeds.Guide,
        new Story(
            Wire: "HttpClient with a 1 s timeout calls a handler that needs 2 s. At 1 s the client cancels and closes its pooled connection with a FIN. Kestrel sees the FIN and fires RequestAborted at once; a raw server only learns of it at 2 s when it writes: send #1 succeeds, send #2 fails with EPIPE.",
            Why: "Under load responses get slower; the caller's timeout does not. Each side then logs its own symptom — the client a TaskCanceledException wrapping a TimeoutException, the server a broken pipe one second later — and neither log alone says that the client left first.",
            Diagnose: "Line the logs up on time: a client timeout at T and a server write error at T + (work − timeout) on the same request. Compare the client's timeout with the server's latency percentiles.",
            Fix: "Give the client a timeout that covers the real work (here 5 s), or make the work faster; and let the server stop when the client has gone (RequestAborted) instead of finishing work nobody will read."),
        Broken: new ScenarioVariant(
            "HttpClient fails with its own timeout at ≈1 s; Kestrel fires RequestAborted at ≈1 s; the raw server's send #2 fails with EPIPE at ≈2 s; the client disconnects first",
            Work,
            (lab, ct) => RunAsync(lab, ShortTimeout, ct),
            [
                Expect.Event("HttpClient fails with its timeout (timed out, no errno)", e => e.Side == Side.Client && e.Kind == EventKind.RequestFailed && e.Failure == SocketFailure.TimedOut && e.Errno is null),
                Expect.That(
                    "the client gives up between 0.9 and 1.5 s after sending",
                    events => On.Gap(events, On.Kind(EventKind.RequestSent, "httpclient[kestrel]#1"), e => e.Kind == EventKind.RequestFailed && e.Actor == "httpclient[kestrel]#1") is { } gap &&
                              gap >= TimeSpan.FromMilliseconds(900) && gap <= TimeSpan.FromMilliseconds(1500)),
                Expect.That(
                    "Kestrel fires RequestAborted within 250 ms of the client closing its connection",
                    events => On.Within(events, e => e.Kind == EventKind.ClosedFin && e.Actor!.StartsWith("httpclient[kestrel]", StringComparison.Ordinal), On.Kind(EventKind.RequestAborted), TimeSpan.FromMilliseconds(250))),
                Expect.Event("the raw server's send #2 fails with EPIPE", On.Failed(EventKind.SendFailed, "raw-server", Errno.EPIPE, 2)),
                Expect.FirstDisconnect(Side.Client, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "with a 5 s timeout both requests complete with 200 and the whole body; no abort, no failed send",
            Work,
            (lab, ct) => RunAsync(lab, LongTimeout, ct),
            [
                Expect.That("both requests complete with 200", events => events.Count(e => e.Kind == EventKind.ResponseCompleted && e.Status == 200) == 2),
                Expect.No("Kestrel never fires RequestAborted", On.Kind(EventKind.RequestAborted)),
                Expect.No("no send fails", On.Kind(EventKind.SendFailed)),
                Expect.No("no request fails", On.Kind(EventKind.RequestFailed)),
            ]))
    {
        Produces = [Signature.Logs("The request was canceled due to the configured HttpClient.Timeout"), Signature.Fails(Side.Client, SocketFailure.TimedOut), Signature.Fails(Side.Server, SocketFailure.BrokenPipe, Errno.EPIPE)],
    };

    private static async Task RunAsync(LabSandbox lab, TimeSpan timeout, CancellationToken ct)
    {
        var kestrel = await KestrelServer.StartAsync(
            lab,
            async x =>
            {
                await x.DelayAsync(Work);
                await x.WriteAsync(64 * 1024);
            },
            cancellationToken: ct);
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Wait = Work, ResponseBytes = 64 * 1024, ChunkBytes = 4096 }, ct);
        var toKestrel = LabHttpClient.Create(lab, new LabHttpClientOptions { Name = "httpclient[kestrel]", Timeout = timeout });
        var toRaw = LabHttpClient.Create(lab, new LabHttpClientOptions { Name = "httpclient[raw]", Timeout = timeout });
        await Task.WhenAll(
            toKestrel.GetAsync(new Uri($"http://{kestrel.Endpoint}/work"), ct),
            toRaw.GetAsync(new Uri($"http://{raw.Endpoint}/work"), ct));
        // Both servers finish their 2 s of work whatever the client did; wait for them rather than for a clock.
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", TimeSpan.FromSeconds(10), ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "raw-server", TimeSpan.FromSeconds(10), ct);
    }
}
