using BrokenPipe.Lab.Parts.HAProxy;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>
/// The keep-alive race behind HAProxy 2.6 (<c>--proxy haproxy</c>): HAProxy keeps idle upstream connections and reuses
/// them (<c>http-reuse always</c>: any request may take one); the upstream closes idle connections after 1 s. Measured
/// here: <c>timeout http-keep-alive</c> does not bound how long HAProxy keeps an idle upstream connection (it is the
/// client side's idle timer), and HAProxy does not retry the request that met the close, not even a GET.
/// </summary>
internal static class UpstreamKeepaliveRaceOnHAProxy
{
    private static readonly TimeSpan ServerIdle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(1500);

    public static ProxyVariants Variants { get; } = new(
        Broken: new ScenarioVariant(
            "http-reuse always and timeout http-keep-alive 500 ms (shorter than the upstream's 1 s idle close, but a client-side timer): HAProxy still reuses the upstream connection idle for 1.5 s; the upstream closes it under the GET; HAProxy answers 502 and logs SH-- (the server closed before its response header) without retrying; the POST after it gets a fresh connection and 200",
            2 * Spacing,
            (lab, ct) => RunAsync(lab, serverClose: false, ct),
            [
                Expect.Event("the reused GET gets 502 Bad Gateway", e => e.Actor == "client[get-reused]" && e.Kind == EventKind.ResponseHeaders && e.Status == 502),
                Expect.Event("HAProxy logs the GET with 502 and SH--", e => e.Kind == EventKind.ProxyUpstreamClosed && e.Status == 502 && e.Verbatim?.Contains(" SH-- ", StringComparison.Ordinal) == true && e.Verbatim.Contains("\"GET /items", StringComparison.Ordinal)),
                Expect.That("HAProxy does not retry it: the upstream gets the GET once, on the reused connection, and drops it", events => events.Count(e => e.Kind == EventKind.RequestDropped) == 1 && !events.Any(e => e.Actor == "client[get-reused]" && e.Status == 200)),
                Expect.Event("the POST after it gets 200 (the idle connection is gone)", e => e.Actor == "client[post]" && e.Kind == EventKind.ResponseCompleted && e.Status == 200),
            ]),
        Fixed: new ScenarioVariant(
            "option http-server-close: HAProxy closes its upstream connection after each response, never reuses one, and every request gets 200",
            2 * Spacing,
            (lab, ct) => RunAsync(lab, serverClose: true, ct),
            [
                Expect.That("all three requests get 200", events => events.Count(e => e.Side == Side.Client && e.Kind == EventKind.ResponseCompleted && e.Status == 200) == 3),
                Expect.No("HAProxy logs no upstream close", On.Kind(EventKind.ProxyUpstreamClosed)),
                Expect.No("no 502 anywhere", e => e.Status == 502),
                Expect.No("the upstream never drops a request", On.Kind(EventKind.RequestDropped)),
            ]));

    private static async Task RunAsync(LabSandbox lab, bool serverClose, CancellationToken ct)
    {
        var upstream = await RawTcpServer.StartAsync(
            lab,
            new RawTcpServerOptions { Name = "upstream", KeepAlive = true, IdleTimeout = ServerIdle, CloseIdleOnNextRequest = true, ResponseBytes = 256 },
            ct);
        var haproxy = await HAProxyProxy.StartAsync(lab, upstream.Endpoint, new HAProxyOptions { HttpReuse = "always", TimeoutHttpKeepAlive = TimeSpan.FromMilliseconds(500), ServerClose = serverClose }, ct);
        await SendAsync(lab, haproxy, "client[get-first]", "GET", ct);
        const string Why = "longer than the upstream's idle timeout";
        await lab.IdleAsync(Spacing, Why, ct);
        await SendAsync(lab, haproxy, "client[get-reused]", "GET", ct);
        await lab.IdleAsync(Spacing, Why, ct);
        await SendAsync(lab, haproxy, "client[post]", "POST", ct);
        var lines = 0;
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && ++lines == 3, TimeSpan.FromSeconds(5), "HAProxy's log line for the POST", ct);
    }

    private static Task SendAsync(LabSandbox lab, HAProxyProxy haproxy, string name, string method, CancellationToken ct) =>
        RawHttpClient.RunAsync(
            lab,
            haproxy.Endpoint,
            new RawHttpOptions { Name = name, Method = method, Path = method == "GET" ? "/items" : "/orders", UploadBytes = method == "POST" ? 64 : 0, Deadline = TimeSpan.FromSeconds(10) },
            ct);
}
