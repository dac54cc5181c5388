using BrokenPipe.Lab.Parts.HAProxy;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>
/// The client gives up behind HAProxy 2.6 (<c>--proxy haproxy</c>). Unlike nginx, HAProxy by default does not pass a
/// client's FIN on while it waits for the response: the upstream works to the end and answers into a connection the
/// client has left. <c>option abortonclose</c> makes HAProxy give the request up at once.
/// </summary>
internal static class ProxyClientAbortOnHAProxy
{
    private static readonly TimeSpan Work = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan ClientGivesUp = TimeSpan.FromSeconds(1);
    private const int Body = 10 * 1024 * 1024;

    public static ProxyVariants Variants { get; } = new(
        Broken: new ScenarioVariant(
            "HAProxy's default (no abortonclose): the client's FIN at 1 s is not passed on; both upstreams work the full 4 s and answer without an error; HAProxy writes Kestrel's 10 MB into the connection the client left and logs it with termination state CD-- (the client closed during the data); Kestrel never fires RequestAborted",
            Work,
            (lab, ct) => RunAsync(lab, abortOnClose: false, ct),
            [
                Expect.Event("HAProxy logs Kestrel's request with 200 and CD-- (client closed during the data)", e => e.Kind == EventKind.ProxyClientClosed && e.Actor == "haproxy[kestrel]" && e.Status == 200 && Has(e, " CD-- ")),
                Expect.Event("Kestrel: the handler runs to the end and writes all 10 MB", e => e.Kind == EventKind.HandlerCompleted && e.Actor == "kestrel#1" && e.Bytes == Body),
                Expect.No("Kestrel never fires RequestAborted: HAProxy kept the upstream request", On.Kind(EventKind.RequestAborted)),
                Expect.No("the raw upstream's sends all succeed: HAProxy never told it", e => e.Kind == EventKind.SendFailed && e.Actor == "upstream[raw]"),
                Expect.No("no upstream sees HAProxy close before it answered", e => e.Kind == EventKind.PeerClosed && e.Actor == "upstream[raw]" && e.Closed is not null),
                Expect.FirstDisconnect(Side.Client, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "option abortonclose, and upstreams that stop when the client has gone: HAProxy gives the request up at the client's FIN (CH--: closed while waiting for the response header) and resets its upstream connections; Kestrel's work stops within 250 ms of the client's FIN and the raw upstream writes nothing",
            Work,
            (lab, ct) => RunAsync(lab, abortOnClose: true, ct),
            [
                Expect.That("HAProxy logs both requests with CH-- (the client closed while HAProxy waited for the response header)", events => events.Count(e => e.Kind == EventKind.ProxyClientClosed && Has(e, " CH-- ")) == 2),
                Expect.That(
                    "the raw upstream sees HAProxy's RST within 500 ms of the client's FIN",
                    events => On.Within(events, e => e.Kind == EventKind.ClosedFin && e.Actor == "client[raw]", e => e.Kind == EventKind.PeerClosed && e.Actor == "upstream[raw]" && e.Closed == CloseHow.Rst, TimeSpan.FromMilliseconds(500))),
                Expect.That(
                    "Kestrel: the work stops within 250 ms of the client's FIN",
                    events => On.Within(events, e => e.Kind == EventKind.ClosedFin && e.Actor == "client[kestrel]", e => e.Kind == EventKind.HandlerFailed && e.Actor == "kestrel#1" && e.Failure == SocketFailure.Canceled, TimeSpan.FromMilliseconds(250))),
                Expect.No("nothing is written into the void", On.Kind(EventKind.WriteIntoVoid)),
                Expect.No("no send fails", On.Kind(EventKind.SendFailed)),
                Expect.FirstDisconnect(Side.Client, "FIN"),
            ]));

    private static bool Has(LabEvent e, string text) => e.Verbatim?.Contains(text, StringComparison.Ordinal) == true;

    private static async Task RunAsync(LabSandbox lab, bool abortOnClose, CancellationToken ct)
    {
        // In the fixed variant the upstreams also stop when the client has gone (the raw one checks for the peer's close).
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "upstream[raw]", Wait = Work, ResponseBytes = 3 * 4096, ChunkBytes = 4096, AbandonIfPeerClosed = abortOnClose }, ct);
        var kestrel = await KestrelServer.StartAsync(
            lab,
            async x =>
            {
                await x.DelayAsync(Work, honourAbort: abortOnClose);
                await x.WriteAsync(Body, honourAbort: abortOnClose);
            },
            cancellationToken: ct);
        var options = new HAProxyOptions { AbortOnClose = abortOnClose };
        var toRawStart = HAProxyProxy.StartAsync(lab, raw.Endpoint, options with { Name = "haproxy[raw]" }, ct);
        var toKestrelStart = HAProxyProxy.StartAsync(lab, kestrel.Endpoint, options with { Name = "haproxy[kestrel]" }, ct);
        await Task.WhenAll(toRawStart, toKestrelStart);
        await Task.WhenAll(
            GiveUpAsync(lab, await toRawStart, "client[raw]", ct),
            GiveUpAsync(lab, await toKestrelStart, "client[kestrel]", ct));
        var bound = Work + TimeSpan.FromSeconds(10);
        await Waits.HandlerDoneAsync(lab.Timeline, "upstream[raw]", bound, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", bound, ct);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == "haproxy[raw]", TimeSpan.FromSeconds(5), "haproxy[raw]'s log line", ct);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == "haproxy[kestrel]", TimeSpan.FromSeconds(5), "haproxy[kestrel]'s log line", ct);
    }

    /// <summary>Like curl --max-time 1: the client closes (FIN) after 1 s, before any response byte.</summary>
    private static Task GiveUpAsync(LabSandbox lab, HAProxyProxy proxy, string name, CancellationToken ct) =>
        RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Name = name, Path = "/report", CloseWhen = Trigger.After(ClientGivesUp) }, ct);
}
