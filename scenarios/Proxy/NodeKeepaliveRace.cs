using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.Upstreams;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>
/// The best-known 502 of Node behind a proxy: Node closes an idle keep-alive connection after keepAliveTimeout + 1 s
/// (6 s by default), nginx keeps its idle upstream connections 60 s, and a request nginx sends on the connection Node is
/// closing gets no answer. The race is a millisecond wide; freezing nginx's worker across Node's close makes it certain.
/// </summary>
internal static class NodeKeepaliveRace
{
    /// <summary>
    /// Well before Node's default idle close (5 s + its 1 s buffer), so a late wake-up on a loaded machine still freezes
    /// nginx's worker in time: it stays frozen from here until Node has closed.
    /// </summary>
    private static readonly TimeSpan FreezeAt = TimeSpan.FromMilliseconds(4500);

    /// <summary>How long the frozen worker waits for Node's close before it is resumed anyway (a Node that keeps the connection longer).</summary>
    private static readonly TimeSpan FreezeBound = TimeSpan.FromMilliseconds(2500);

    private static readonly TimeSpan Minute = TimeSpan.FromSeconds(60);

    public static Scenario Definition { get; } = new(
        ScenarioIds.NodeKeepaliveRace,
        "proxy",
        "Node's keepAliveTimeout behind nginx's upstream keep-alive: a 502 on a reused connection",
        Seeds.Guide,
        new Story(
            Wire: "nginx keeps idle upstream connections (keepalive 8, HTTP/1.1, an empty Connection header) for 60 s. Node's http server closes an idle keep-alive connection with a FIN at keepAliveTimeout + 1 s: 6 s after its last response by default, and it logs nothing. A POST that nginx sends on that connection as Node's FIN arrives gets no answer: nginx logs 'upstream prematurely closed connection while reading response header from upstream' and, the POST not being idempotent, answers the client 502 Bad Gateway (a GET it would retry on a new connection). Here nginx's worker is frozen (SIGSTOP) from 4.5 s until Node has closed, with the client's POST queued on its kept-alive connection to nginx: when the worker wakes it reads the POST before Node's FIN, hands it to the cached connection, and meets the crossing every time.",
            Why: "Two idle timers on the two ends of one connection, and the longer one is on the side that reuses it. Unfrozen, the window is about a millisecond wide: measured here, about 8 % of POSTs aimed within ±4 ms of Node's close got a 502 (ground truth), which in production is a handful of unexplained 502s a day.",
            Diagnose: "502s on POSTs with 'upstream prematurely closed connection while reading response header from upstream' (or 'recv() failed (104: Connection reset by peer)' when the request landed first) and an upstream_response_time near 0, on connections idle for about 6 s; Node itself logs nothing. Compare Node's server.keepAliveTimeout (+1 s) with nginx's upstream keepalive_timeout.",
            Fix: "Let the proxy drop idle connections first: nginx's upstream keepalive_timeout below Node's (here 4 s against 6 s), or Node's server.keepAliveTimeout above nginx's (here 65 s against 60 s). Either way the side that reuses a connection is the one that closes it."),
        Broken: new ScenarioVariant(
            "Node's default keepAliveTimeout (5 s; it closes at 6 s), nginx's upstream keepalive_timeout 60 s: Node closes the idle connection first (FIN, ≈6 s after its response); the POST nginx sends on it gets 502 and nginx logs 'upstream prematurely closed connection while reading response header from upstream'",
            FreezeAt + FreezeBound,
            (lab, ct) => RunAsync(lab, "", Minute, null, ct),
            [
                Expect.Event("the client's POST gets 502 Bad Gateway", e => e.Actor == "client#2" && e.Kind == EventKind.ResponseHeaders && e.Status == 502),
                Expect.Event("nginx logs 'upstream prematurely closed connection while reading response header from upstream'", On.Kind(EventKind.ProxyUpstreamClosed)),
                Expect.Event(
                    // By Node's own clock (the lab reads Node's report late on a loaded machine). Node's timer counts from the
                    // socket's last write, which the response's 'finish' (the program's mark) can trail by an event-loop turn:
                    // 5.90–6.17 s in 20 runs at load 20–30. Past 5.5 s it is the 5 s setting plus Node's 1 s buffer, not the setting.
                    "Node closes the idle connection itself ≈6 s after its response by its own clock (keepAliveTimeout 5 s + its 1 s buffer), and says nothing",
                    e => e.Actor == "node" && e.Kind == EventKind.ClosedFin && !e.Reply && e.Duration > TimeSpan.FromMilliseconds(5500) && e.Duration < TimeSpan.FromSeconds(7)),
                Expect.FirstDisconnect(Side.Server, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "two fixes side by side, each with the same frozen worker: nginx's upstream keepalive_timeout 4 s (nginx closes first), and Node's keepAliveTimeout 65 s (Node keeps it past nginx's 60 s): both POSTs get 200 and nginx logs no premature close",
            FreezeAt + FreezeBound,
            (lab, ct) => Task.WhenAll(
                RunAsync(lab, "[proxy-4s]", TimeSpan.FromSeconds(4), null, ct),
                RunAsync(lab, "[node-65s]", Minute, TimeSpan.FromSeconds(65), ct)),
            [
                Expect.Event("nginx keepalive_timeout 4 s: the POST gets 200", e => e.Actor == "client[proxy-4s]#2" && e.Kind == EventKind.ResponseCompleted && e.Status == 200),
                Expect.Event("Node keepAliveTimeout 65 s: the POST gets 200", e => e.Actor == "client[node-65s]#2" && e.Kind == EventKind.ResponseCompleted && e.Status == 200),
                Expect.No("nginx logs no premature close", On.Kind(EventKind.ProxyUpstreamClosed)),
                Expect.No("no 502 anywhere", e => e.Status == 502),
                Expect.No("Node never closes an idle connection first", e => e.Actor?.StartsWith("node", StringComparison.Ordinal) == true && e.Kind == EventKind.ClosedFin && !e.Reply),
            ]))
    {
        Produces = [Signature.Logs("upstream prematurely closed connection while reading response header from upstream")],
        Upstreams = ["node"],
        ForUpstream = _ => Definition!,
        OwnUpstream = "node",
        Unavailable = _ => Upstream.Unavailable("node"),
    };

    /// <summary>
    /// A GET, then nginx's worker frozen at <see cref="FreezeAt"/> after its response, a POST queued meanwhile on the
    /// client's kept-alive connection (a new one would wait in the accept queue, read after Node's FIN), and the worker
    /// resumed once Node has closed the idle connection (or after <see cref="FreezeBound"/> when it keeps it).
    /// </summary>
    private static async Task RunAsync(LabSandbox lab, string suffix, TimeSpan proxyIdle, TimeSpan? nodeKeepAlive, CancellationToken ct)
    {
        var name = $"node{suffix}";
        var node = await UpstreamServer.StartAsync(lab, new UpstreamOptions { Language = UpstreamLanguage.Node, Name = name, ResponseBytes = 256, KeepAliveTimeout = nodeKeepAlive }, ct);
        var nginx = await NginxProxy.StartAsync(lab, node.Endpoint, new NginxOptions { Name = $"nginx{suffix}", UpstreamKeepalive = 8, UpstreamKeepaliveTimeout = proxyIdle }, ct);
        var client = LabHttpClient.Create(lab, new LabHttpClientOptions { Name = $"client{suffix}", Timeout = TimeSpan.FromSeconds(10) });
        await client.GetAsync(nginx.Url("/items"), ct);
        var answered = lab.Timeline.Now;
        await lab.IdleAsync(FreezeAt, "the upstream connection idles in nginx's keep-alive cache, up to just before Node's default idle close", ct);
        nginx.PauseWorkers();
        Task post;
        try
        {
            post = client.SendAsync(HttpMethod.Post, nginx.Url("/orders"), 64, ct);
            var closed = lab.Timeline.WaitForAsync(e => e.Actor == name && e.Kind == EventKind.ClosedFin && e.At > answered, FreezeBound, $"{name} closing the idle connection", ct);
            await Task.WhenAny(closed, Task.Delay(FreezeBound, ct));
        }
        finally
        {
            nginx.ResumeWorkers();
        }
        await post;
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == $"nginx{suffix}" && e.At > answered, TimeSpan.FromSeconds(5), "nginx's access-log line for the POST", ct);
    }
}
