using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>Seed 000: "the application writes large responses too slowly" — the body stalls longer than the proxy's read timeout.</summary>
internal static class SlowUpstreamBody
{
    // Not a multiple of nginx's 4 KiB buffers: measured here, when the first read exactly fills them nginx 1.22 keeps the
    // upstream "ready" and arms no read timer, so a stall right after it is not caught by proxy_read_timeout at all.
    private const int Chunk = 10_000;
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LongTimeout = TimeSpan.FromSeconds(5);

    public static Scenario Definition { get; } = new(
        ScenarioIds.SlowUpstreamBody,
        "proxy",
        "A slow body behind nginx: status 200, then a truncated download",
        Seeds.Guide,
        new Story(
            Wire: "The upstream sends its headers and a first 10 KB at once, then pauses 2 s before the next chunk. proxy_read_timeout (1 s) is the longest gap nginx accepts between two reads, not a limit on the whole response: after 1 s of silence nginx logs 'upstream timed out (110: Connection timed out) while reading upstream' and closes both connections. The client already has '200 OK' — the status line went out with the first bytes — so it gets a 200 with a short body: fewer bytes than Content-Length, or a chunked body without its final chunk. The upstream's next send() lands in a closed connection and may even succeed.",
            Why: "Once a proxy has sent the status line it cannot take it back: a failure mid-body can only be signalled by cutting the connection. A client that trusts the status code, or that does not compare the body with its framing, stores a truncated file as if it were complete.",
            Diagnose: "nginx's error log says 'while reading upstream' (the body) rather than 'while reading response header from upstream'; its access log has status 200 with fewer bytes_sent than the response's size. The client sees 'end of stream' before Content-Length — HttpClient throws HttpIOException 'The response ended prematurely'.",
            Fix: "Keep every gap in the body shorter than the proxy's read timeout (flush progress, send heartbeats on streaming routes), or raise proxy_read_timeout for the route (here 5 s). And make clients check the body against Content-Length or the final chunk, and treat a short body as a failure."),
        Broken: new ScenarioVariant(
            "proxy_read_timeout 1 s, 2 s between body chunks: nginx logs 'upstream timed out (110) while reading upstream'; both clients get status 200 and a truncated body (short of Content-Length; chunked without the final chunk); the proxy disconnects first",
            Gap,
            (lab, ct) => RunAsync(lab, ShortTimeout, ct),
            [
                Expect.That("nginx logs 'upstream timed out (110) while reading upstream' for both upstreams", events => events.Count(e => e.Kind == EventKind.ProxyUpstreamTimedOutBody && e.Errno == Errno.ETIMEDOUT) == 2),
                Expect.Event("raw upstream's client: status 200 with Content-Length", e => e.Actor == "client[raw]" && e.Kind == EventKind.ResponseHeaders && e.Status == 200),
                Expect.Event("raw upstream's client detects the truncation (fewer bytes than Content-Length)", e => e.Actor == "client[raw]" && e.Kind == EventKind.ResponseTruncated && e.Framing == HttpFraming.ContentLength),
                Expect.Event("Kestrel's client: status 200, chunked", e => e.Actor == "client[kestrel]" && e.Kind == EventKind.ResponseHeaders && e.Status == 200 && e.Framing == HttpFraming.Chunked),
                Expect.Event("Kestrel's client detects the truncation (no final chunk)", e => e.Actor == "client[kestrel]" && e.Kind == EventKind.ResponseTruncated && e.Framing == HttpFraming.Chunked),
                Expect.FirstDisconnect(Side.Proxy, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "proxy_read_timeout 5 s with the same 2 s gaps: both clients get the whole body",
            Gap,
            (lab, ct) => RunAsync(lab, LongTimeout, ct),
            [
                Expect.That("both clients get status 200 and the whole body", events => events.Count(e => e.Kind == EventKind.ResponseCompleted && e.Status == 200) == 2),
                Expect.No("no client sees a truncated body", On.Kind(EventKind.ResponseTruncated)),
                Expect.No("nginx logs no upstream timeout", e => e.Kind is EventKind.ProxyUpstreamTimedOutBody or EventKind.ProxyUpstreamTimedOutHeader),
            ]))
    {
        Proxy = "nginx",
        OnProxy = new Dictionary<string, ProxyVariants> { ["haproxy"] = SlowUpstreamBodyOnHAProxy.Variants },
        Produces = [Signature.Logs("upstream timed out (110: Connection timed out) while reading upstream"), Signature.Fails(Side.Client, SocketFailure.EndOfStream), Signature.LogsOn("haproxy", " sD-- ")],
    };

    private static async Task RunAsync(LabSandbox lab, TimeSpan readTimeout, CancellationToken ct)
    {
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "upstream[raw]", ResponseBytes = 2 * Chunk, ChunkBytes = Chunk, GapBetweenChunks = Gap }, ct);
        var kestrel = await KestrelServer.StartAsync(lab, x => x.StreamAsync(2 * Chunk, Chunk, gap: Gap, chunked: true), cancellationToken: ct);
        var options = new NginxOptions { ProxyReadTimeout = readTimeout };
        // The two proxies are independent: they start side by side (on the docker runtime each is a container's start).
        var nginxRawStart = NginxProxy.StartAsync(lab, raw.Endpoint, options with { Name = "nginx[raw]" }, ct);
        var nginxKestrelStart = NginxProxy.StartAsync(lab, kestrel.Endpoint, options with { Name = "nginx[kestrel]" }, ct);
        await Task.WhenAll(nginxRawStart, nginxKestrelStart);
        var (nginxRaw, nginxKestrel) = (await nginxRawStart, await nginxKestrelStart);
        await Task.WhenAll(
            RawHttpClient.RunAsync(lab, nginxRaw.Endpoint, new RawHttpOptions { Name = "client[raw]", Path = "/download" }, ct),
            RawHttpClient.RunAsync(lab, nginxKestrel.Endpoint, new RawHttpOptions { Name = "client[kestrel]", Path = "/download" }, ct));
        var bound = Gap + TimeSpan.FromSeconds(10);
        await Waits.HandlerDoneAsync(lab.Timeline, "upstream[raw]", bound, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", bound, ct);
    }
}
