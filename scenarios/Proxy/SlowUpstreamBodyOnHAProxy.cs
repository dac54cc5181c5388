using BrokenPipe.Lab.Parts.HAProxy;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>
/// A body that stalls longer than HAProxy's <c>timeout server</c> (<c>--proxy haproxy</c>): like nginx's
/// proxy_read_timeout, it is the longest silence HAProxy accepts from the upstream, not a limit on the whole response.
/// HAProxy logs <c>sD--</c> (timeout server during the data) and cuts the client's 200 short.
/// </summary>
internal static class SlowUpstreamBodyOnHAProxy
{
    private const int Chunk = 10_000;
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongTimeout = TimeSpan.FromSeconds(5);

    public static ProxyVariants Variants { get; } = new(
        Broken: new ScenarioVariant(
            "timeout server 1 s, 2 s between body chunks: HAProxy logs both requests with 200 and termination state sD-- (timeout server during the data); both clients get status 200 and a truncated body (short of Content-Length; chunked without the final chunk); HAProxy closes the client side with a FIN and resets its upstream connections at the same moment; the proxy disconnects first",
            Gap,
            (lab, ct) => RunAsync(lab, ShortTimeout, ct),
            [
                Expect.That("HAProxy logs both requests with 200 and sD--", events => events.Count(e => e.Kind == EventKind.ProxyUpstreamTimedOutBody && e.Status == 200 && e.Verbatim?.Contains(" sD-- ", StringComparison.Ordinal) == true) == 2),
                Expect.Event("raw upstream's client: status 200 with Content-Length", e => e.Actor == "client[raw]" && e.Kind == EventKind.ResponseHeaders && e.Status == 200),
                Expect.Event("raw upstream's client detects the truncation (fewer bytes than Content-Length)", e => e.Actor == "client[raw]" && e.Kind == EventKind.ResponseTruncated && e.Framing == HttpFraming.ContentLength),
                Expect.Event("Kestrel's client: status 200, chunked", e => e.Actor == "client[kestrel]" && e.Kind == EventKind.ResponseHeaders && e.Status == 200 && e.Framing == HttpFraming.Chunked),
                Expect.Event("Kestrel's client detects the truncation (no final chunk)", e => e.Actor == "client[kestrel]" && e.Kind == EventKind.ResponseTruncated && e.Framing == HttpFraming.Chunked),
                Expect.Event("the raw upstream sees HAProxy's RST (nginx sends a FIN)", e => e.Kind == EventKind.PeerClosed && e.Actor == "upstream[raw]" && e.Closed == CloseHow.Rst),
                // One moment, two closes: a FIN to the client and an RST upstream; either one's observation may land first.
                Expect.FirstDisconnect(Side.Proxy),
            ]),
        Fixed: new ScenarioVariant(
            "timeout server 5 s with the same 2 s gaps: both clients get the whole body; HAProxy logs ---- for both",
            Gap,
            (lab, ct) => RunAsync(lab, LongTimeout, ct),
            [
                Expect.That("both clients get status 200 and the whole body", events => events.Count(e => e.Kind == EventKind.ResponseCompleted && e.Status == 200) == 2),
                Expect.No("no client sees a truncated body", On.Kind(EventKind.ResponseTruncated)),
                Expect.No("HAProxy logs no upstream timeout", e => e.Kind is EventKind.ProxyUpstreamTimedOutBody or EventKind.ProxyUpstreamTimedOutHeader),
            ]));

    private static async Task RunAsync(LabSandbox lab, TimeSpan serverTimeout, CancellationToken ct)
    {
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "upstream[raw]", ResponseBytes = 2 * Chunk, ChunkBytes = Chunk, GapBetweenChunks = Gap }, ct);
        var kestrel = await KestrelServer.StartAsync(lab, x => x.StreamAsync(2 * Chunk, Chunk, gap: Gap, chunked: true), cancellationToken: ct);
        var options = new HAProxyOptions { TimeoutServer = serverTimeout };
        var toRawStart = HAProxyProxy.StartAsync(lab, raw.Endpoint, options with { Name = "haproxy[raw]" }, ct);
        var toKestrelStart = HAProxyProxy.StartAsync(lab, kestrel.Endpoint, options with { Name = "haproxy[kestrel]" }, ct);
        await Task.WhenAll(toRawStart, toKestrelStart);
        await Task.WhenAll(
            RawHttpClient.RunAsync(lab, (await toRawStart).Endpoint, new RawHttpOptions { Name = "client[raw]", Path = "/download" }, ct),
            RawHttpClient.RunAsync(lab, (await toKestrelStart).Endpoint, new RawHttpOptions { Name = "client[kestrel]", Path = "/download" }, ct));
        var bound = Gap + TimeSpan.FromSeconds(10);
        await Waits.HandlerDoneAsync(lab.Timeline, "upstream[raw]", bound, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", bound, ct);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == "haproxy[raw]", TimeSpan.FromSeconds(5), "haproxy[raw]'s log line", ct);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == "haproxy[kestrel]", TimeSpan.FromSeconds(5), "haproxy[kestrel]'s log line", ct);
    }
}
