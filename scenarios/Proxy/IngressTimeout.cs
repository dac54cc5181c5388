using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>
/// Seed 002: a slow export behind an ingress whose read timeout is shorter than the work. The proxy gives up first,
/// answers 504, and closes the upstream connection; the upstream's write fails later, with "broken pipe".
/// </summary>
internal static class IngressTimeout
{
    private const long Body = 10L * 1024 * 1024;

    /// <summary>The scenario's own run: the raw reference, Kestrel, and the seed's Go server with the article's handler, each behind its own nginx.</summary>
    private static readonly string[] Own = [Upstream.Raw, Upstream.Kestrel, "go"];

    /// <summary>The seed's reproduction, scaled: a 2 s proxy_read_timeout and an upstream that needs 4 s.</summary>
    public static Scenario Definition { get; } = Build(ScenarioIds.IngressTimeout, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10), Own) with
    {
        Upstreams = [Upstream.Kestrel, Upstream.Raw, .. Upstream.Languages],
        ForUpstream = u => Build(ScenarioIds.IngressTimeout, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10), [u]),
        OwnUpstream = string.Join('+', Own),
    };

    /// <summary>The seed's real numbers: nginx's and Kong's default 60 s read timeout, a handler that needs 65 s.</summary>
    public static Scenario Definition60s { get; } = Build(ScenarioIds.IngressTimeout60s, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(65), TimeSpan.FromSeconds(120), Own) with
    {
        Slow = true,
        OwnUpstream = string.Join('+', Own),
    };

    private static Scenario Build(string id, TimeSpan readTimeout, TimeSpan work, TimeSpan fixedTimeout, string[] upstreams)
    {
        var t = Seconds(readTimeout);
        var slow = readTimeout >= TimeSpan.FromSeconds(60);
        return new Scenario(
            id,
            "proxy",
            slow
                ? "The real ingress timeout: nginx's 60 s default cuts a 65 s export"
                : $"An ingress read timeout ({t}) shorter than the work ({Seconds(work)}): 504, then a broken pipe upstream",
            Seeds.KongTimeout,
            new Story(
                Wire: $"The client asks nginx; nginx asks the upstream and waits for its response header. At {t} (proxy_read_timeout) nginx gives up: it answers the client 504 Gateway Timeout, logs 'upstream timed out (110: Connection timed out) while reading response header from upstream', and closes its upstream connection with a FIN. The upstream does not notice: at {Seconds(work)} it writes its {Body / (1024 * 1024)} MB response. A Go or C server's first send() succeeds, the second fails with EPIPE — the seed's 'write: broken pipe'. Kestrel fires RequestAborted at {t} and lets the 10 MB WriteAsync 'succeed' into nothing.",
                Why: "The proxy and the application have separate timeouts. The team had set the server's write timeout to 10 minutes, but the ingress in front of it (Kong Ingress Controller, like nginx) defaults to a 60 s read timeout. Locally, without the ingress, the export worked; in production it died at exactly one minute. The broken pipe is the upstream's last symptom of the proxy's decision.",
                Diagnose: "The duration is the clue: failures at exactly the proxy's timeout (60.0 s). The proxy's error log has 'upstream timed out … while reading response header from upstream', its access log a 504 with upstream_response_time equal to the timeout; the application logs a broken pipe (or, in .NET, an abort) that much later. grep -R timeout in the proxy's config.",
                Fix: $"Raise the proxy's read timeout for that route above the real work (here proxy_read_timeout {Seconds(fixedTimeout)}; Kong: read_timeout in a KongIngress override) — or make the export asynchronous (start a job, poll for the file) so no request has to last that long."),
            Broken: new ScenarioVariant(
                $"the client gets 504 at ≈{t}; nginx logs 'upstream timed out (110) while reading response header'; the raw upstream sees nginx's FIN at ≈{t}, then send #1 succeeds and send #2 fails with EPIPE at ≈{Seconds(work)}; Kestrel fires RequestAborted at ≈{t} and its 10 MB write goes nowhere; a Go upstream's context is canceled at ≈{t} and at ≈{Seconds(work)} it logs 'error writing: write tcp …: write: broken pipe' (each upstream this run has: {string.Join(", ", upstreams)}); the proxy disconnects first",
                work,
                (lab, ct) => RunAsync(lab, readTimeout, work, upstreams, ct),
                [
                    .. upstreams.SelectMany(u => For(u, readTimeout)),
                    Expect.Event("nginx logs the upstream timeout while reading the response header (110)", e => e.Kind == EventKind.ProxyUpstreamTimedOutHeader && e.Errno == Errno.ETIMEDOUT),
                    Expect.Event("the access log says 504", e => e.Kind == EventKind.ProxyAccess && e.Status == 504),
                    Expect.FirstDisconnect(Side.Proxy, "FIN"),
                ]),
            Fixed: new ScenarioVariant(
                $"proxy_read_timeout {Seconds(fixedTimeout)}: every client ({string.Join(", ", upstreams)}) gets 200 with all 10 MB after ≈{Seconds(work)}; no timeout, no failed send or write",
                work,
                (lab, ct) => RunAsync(lab, fixedTimeout, work, upstreams, ct),
                [
                    Expect.That($"every client gets 200 and the whole 10 MB body ({upstreams.Length})", events => events.Count(e => e.Kind == EventKind.ResponseCompleted && e.Status == 200 && e.Bytes > Body - 1024) == upstreams.Length),
                    Expect.No("nginx logs no upstream timeout", e => e.Kind is EventKind.ProxyUpstreamTimedOutHeader or EventKind.ProxyUpstreamTimedOutBody),
                    Expect.No("no send or write fails", e => e.Kind is EventKind.SendFailed or EventKind.WriteFailed),
                    Expect.No("no upstream hears the request abort (Kestrel's RequestAborted, Go's context canceled)", On.Kind(EventKind.RequestAborted)),
                ]))
        {
            Slow = slow,
            Proxy = "nginx",
            // The 60 s variant keeps to nginx: the scaled one tells HAProxy's side.
            OnProxy = slow ? new Dictionary<string, ProxyVariants>() : new Dictionary<string, ProxyVariants> { ["haproxy"] = IngressTimeoutOnHAProxy.Variants },
            Produces = [
                Signature.Logs("upstream timed out (110: Connection timed out) while reading response header from upstream"), Signature.Fails(Side.Proxy, SocketFailure.TimedOut, Errno.ETIMEDOUT), Signature.Fails(Side.Server, SocketFailure.BrokenPipe, Errno.EPIPE),
                Signature.Logs("error writing: write tcp", "go"), Signature.Logs("write: broken pipe", "go"), .. Http.Over8KbPolyglot.Words, Signature.LogsOn("haproxy", " sH-- "),
            ],
            Timeout = work + TimeSpan.FromMinutes(1),
            Unavailable = _ => Upstream.Unavailable(upstreams),
        };
    }

    private static IEnumerable<Check> For(string upstream, TimeSpan readTimeout)
    {
        var client = $"client[{upstream}]";
        var server = $"upstream[{upstream}]";
        yield return Expect.That(
            $"{upstream}: the client gets 504 at ≈{Seconds(readTimeout)}",
            events => On.Gap(events, On.Kind(EventKind.RequestSent, client), e => e.Kind == EventKind.ResponseHeaders && e.Actor == client && e.Status == 504) is { } gap && Near(gap, readTimeout));
        if (upstream == Upstream.Kestrel)
        {
            yield return Expect.That(
                $"Kestrel's RequestAborted fires at ≈{Seconds(readTimeout)} after the client's request",
                // Timed from the client's request (nginx's timer starts when it forwards it), not from the
                // handler's start, which a cold or loaded process can delay by ~100 ms.
                events => On.Gap(events, On.Kind(EventKind.RequestSent, client), e => e.Kind == EventKind.RequestAborted && e.Actor?.StartsWith(Upstream.Kestrel, StringComparison.Ordinal) == true) is { } gap && Near(gap, readTimeout));
            yield return Expect.Event("Kestrel's 10 MB write returns without error into nothing", On.Kind(EventKind.WriteIntoVoid));
            yield break;
        }
        if (upstream != Upstream.Raw)
        {
            foreach (var check in IngressPolyglot.Checks(upstream, server, client, readTimeout, Near)) yield return check;
            yield break;
        }
        var errno = Errno.EPIPE;
        yield return Expect.That(
            $"{upstream}: nginx's FIN reaches the upstream at ≈{Seconds(readTimeout)}",
            // Timed from the client's request, like the 504: nginx's timer starts when it forwards the request, and an
            // upstream whose accept loop waits for a busy CPU logs the request later than nginx sent it.
            events => On.Gap(events, On.Kind(EventKind.RequestSent, client), e => e.Kind == EventKind.PeerClosed && e.Actor == server && e.Closed == CloseHow.Fin) is { } gap && Near(gap, readTimeout));
        yield return Expect.Event($"{upstream}: send #1 succeeds", On.Sent(server, 1));
        yield return Expect.Event($"{upstream}: send #2 fails with EPIPE (the seed's 'write: broken pipe')", On.Failed(EventKind.SendFailed, server, errno, 2));
    }

    /// <summary>Within a wide margin of a proxy timer: 5 % early (nginx's timers are coarse) to 0.5 s late (a loaded machine).</summary>
    private static bool Near(TimeSpan actual, TimeSpan expected) =>
        actual >= expected * 0.95 && actual <= expected + TimeSpan.FromMilliseconds(500);

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.#} s";

    private static async Task RunAsync(LabSandbox lab, TimeSpan readTimeout, TimeSpan work, string[] upstreams, CancellationToken ct)
    {
        var options = new NginxOptions { ProxyReadTimeout = readTimeout };
        // Each upstream has its own nginx; they start side by side (on the docker runtime each is a container's start).
        await Task.WhenAll(upstreams.Select(u => BehindNginxAsync(lab, u, options with { Name = $"nginx[{u}]" }, work, ct)));
    }

    private static async Task BehindNginxAsync(LabSandbox lab, string upstream, NginxOptions options, TimeSpan work, CancellationToken ct)
    {
        var (endpoint, handler) = await StartUpstreamAsync(lab, upstream, work, ct);
        var nginx = await NginxProxy.StartAsync(lab, endpoint, options, ct);
        var deadline = work + TimeSpan.FromSeconds(30);
        await RawHttpClient.RunAsync(lab, nginx.Endpoint, new RawHttpOptions { Name = $"client[{upstream}]", Path = "/export", Deadline = deadline }, ct);
        // The upstreams finish their work whatever the proxy did; wait for them (and for nginx's access log) rather than for a clock.
        await Waits.HandlerDoneAsync(lab.Timeline, handler, deadline, ct);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == options.Name, TimeSpan.FromSeconds(5), $"{options.Name}'s access-log line", ct);
    }

    /// <summary>The upstream for <paramref name="upstream"/>: where it listens, and the actor of its handler.</summary>
    private static async Task<(System.Net.IPEndPoint Endpoint, string Handler)> StartUpstreamAsync(LabSandbox lab, string upstream, TimeSpan work, CancellationToken ct)
    {
        switch (upstream)
        {
            case Upstream.Raw:
                var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "upstream[raw]", Wait = work, ResponseBytes = Body, ChunkBytes = 64 * 1024 }, ct);
                return (raw.Endpoint, "upstream[raw]");
            case Upstream.Kestrel:
                var kestrel = await KestrelServer.StartAsync(
                    lab,
                    async x =>
                    {
                        await x.DelayAsync(work);
                        await x.WriteAsync((int)Body);
                    },
                    cancellationToken: ct);
                return (kestrel.Endpoint, "kestrel#1");
            default:
                var server = await IngressPolyglot.StartAsync(lab, upstream, $"upstream[{upstream}]", work, (int)Body, ct);
                return (server.Endpoint, $"upstream[{upstream}]");
        }
    }
}
