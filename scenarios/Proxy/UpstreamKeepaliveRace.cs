using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>
/// nginx keeps idle upstream connections longer than the upstream does: the upstream's idle close and nginx's next
/// request cross on the wire. GETs are retried by nginx; POSTs reach the client as 502.
/// </summary>
internal static class UpstreamKeepaliveRace
{
    private static readonly TimeSpan ServerIdle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(1500);
    private static readonly TimeSpan FixedProxyIdle = TimeSpan.FromMilliseconds(500);

    public static Scenario Definition { get; } = new(
        ScenarioIds.UpstreamKeepaliveRace,
        "proxy",
        "The keep-alive race: nginx reuses an upstream connection the server is closing",
        Seeds.Guide,
        new Story(
            Wire: "nginx keeps idle connections to the upstream (keepalive in the upstream block, HTTP/1.1, an empty Connection header) for 60 s; the upstream closes idle connections after 1 s. When nginx reuses a connection at the moment the upstream closes it, the request goes out, the upstream's FIN comes back instead of a response, and nginx logs 'upstream prematurely closed connection while reading response header from upstream'. For a GET nginx retries on a new connection (the client gets 200; the access log shows upstream statuses '502, 200'); a POST is not idempotent, so nginx does not retry it and the client gets 502 Bad Gateway. Here the upstream makes the race certain: it keeps an idle connection past its idle timeout and closes it when the next request arrives, which is what nginx sees when the two cross on the wire.",
            Why: "Two idle timers on the two ends of one connection, and the longer one is on the side that reuses it. The real race window is about a millisecond wide, so it shows up as rare, unreproducible 502s on POSTs under steady traffic.",
            Diagnose: "Rare 502s, mostly on POST/PATCH, with 'upstream prematurely closed connection while reading response header from upstream' and a tiny upstream_response_time; GETs with upstream_status '502, 200' in the access log are the same race, hidden by nginx's retry. Compare nginx's upstream keepalive_timeout with the upstream server's idle timeout (Kestrel's KeepAliveTimeout, Node's keepAliveTimeout, …).",
            Fix: "Make the proxy give up an idle upstream connection before the server does: the upstream block's keepalive_timeout below the server's idle timeout (here 500 ms against 1 s), or raise the server's idle timeout above the proxy's."),
        Broken: new ScenarioVariant(
            "nginx's upstream keepalive_timeout 60 s, the upstream's idle timeout 1 s, requests 1.5 s apart: the reused connection is closed under each request; nginx logs 'upstream prematurely closed connection while reading response header'; the GET is retried (client 200, upstream statuses '502, 200'); the POST reaches the client as 502",
            2 * Spacing,
            (lab, ct) => RunAsync(lab, TimeSpan.FromSeconds(60), ct),
            [
                Expect.That("nginx logs 'upstream prematurely closed connection' for both reused connections", events => events.Count(e => e.Kind == EventKind.ProxyUpstreamClosed) >= 2),
                Expect.Event("the GET is retried by nginx: upstream statuses '502, 200'", e => e.Kind == EventKind.ProxyAccess && e.Status == 200 && e.UpstreamStatuses is ["502", "200"]),
                Expect.Event("the client's GET gets 200", e => e.Actor == "client[get-reused]" && e.Kind == EventKind.ResponseCompleted && e.Status == 200),
                Expect.Event("the client's POST gets 502 Bad Gateway", e => e.Actor == "client[post-reused]" && e.Kind == EventKind.ResponseHeaders && e.Status == 502),
                Expect.That("the upstream closes both reused connections under a request, without answering", events => events.Count(e => e.Kind == EventKind.RequestDropped) == 2),
            ]),
        Fixed: new ScenarioVariant(
            "nginx's upstream keepalive_timeout 500 ms, below the upstream's 1 s: nginx drops its idle connections first, every request gets a fresh one, and every request gets 200",
            2 * Spacing,
            (lab, ct) => RunAsync(lab, FixedProxyIdle, ct),
            [
                Expect.That("all three requests get 200", events => events.Count(e => e.Side == Side.Client && e.Kind == EventKind.ResponseCompleted && e.Status == 200) == 3),
                Expect.No("nginx logs no 'upstream prematurely closed connection'", On.Kind(EventKind.ProxyUpstreamClosed)),
                Expect.No("no 502 anywhere", e => e.Status == 502),
                Expect.No("the upstream never drops a request", On.Kind(EventKind.RequestDropped)),
            ]))
    {
        Proxy = "nginx",
        OnProxy = new Dictionary<string, ProxyVariants> { ["haproxy"] = UpstreamKeepaliveRaceOnHAProxy.Variants },
        Produces = [Signature.Logs("upstream prematurely closed connection while reading response header from upstream"), Signature.LogsOn("haproxy", " SH-- ")],
    };

    private static async Task RunAsync(LabSandbox lab, TimeSpan proxyIdle, CancellationToken ct)
    {
        var upstream = await RawTcpServer.StartAsync(
            lab,
            new RawTcpServerOptions { Name = "upstream", KeepAlive = true, IdleTimeout = ServerIdle, CloseIdleOnNextRequest = true, ResponseBytes = 256 },
            ct);
        var nginx = await NginxProxy.StartAsync(lab, upstream.Endpoint, new NginxOptions { UpstreamKeepalive = 8, UpstreamKeepaliveTimeout = proxyIdle }, ct);
        await SendAsync(lab, nginx, "client[get-first]", "GET", ct);
        const string Why = "longer than the upstream's idle timeout, shorter than nginx's keep-alive timeout in the broken variant";
        await lab.IdleAsync(Spacing, Why, ct);
        await SendAsync(lab, nginx, "client[get-reused]", "GET", ct);
        await lab.IdleAsync(Spacing, Why, ct);
        await SendAsync(lab, nginx, "client[post-reused]", "POST", ct);
        // The timeline offers each event to the predicate once: the third access-log line is the POST's.
        var lines = 0;
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && ++lines == 3, TimeSpan.FromSeconds(5), "nginx's access-log line for the POST", ct);
    }

    private static Task SendAsync(LabSandbox lab, NginxProxy nginx, string name, string method, CancellationToken ct) =>
        RawHttpClient.RunAsync(
            lab,
            nginx.Endpoint,
            new RawHttpOptions { Name = name, Method = method, Path = method == "GET" ? "/items" : "/orders", UploadBytes = method == "POST" ? 64 : 0, Deadline = TimeSpan.FromSeconds(10) },
            ct);
}
