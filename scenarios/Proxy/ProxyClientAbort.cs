using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>The client gives up while the upstream is still working: nginx's 499, and what the upstream sees with and without proxy_ignore_client_abort.</summary>
internal static class ProxyClientAbort
{
    private static readonly TimeSpan Work = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan ClientGivesUp = TimeSpan.FromSeconds(1);
    private const int Body = 10 * 1024 * 1024;

    public static Scenario Definition { get; } = new(
        ScenarioIds.ProxyClientAbort,
        "proxy",
        "The client gives up behind nginx: 499, and whether the upstream hears about it",
        Seeds.Guide,
        new Story(
            Wire: "The client closes after 1 s; the upstream needs 4 s. By default nginx notices the client's FIN, logs 499 and 'client prematurely closed connection, so upstream connection is closed too' (at info level only), and closes its upstream connection with a FIN: Kestrel fires RequestAborted at ≈1 s; a raw server learns it at 4 s when its second send fails with EPIPE. With proxy_ignore_client_abort on, nginx keeps the upstream request going: the upstream finishes and answers, nginx's write to the long-gone client fails ('writev() failed (32: Broken pipe) while sending to client'), and nginx drops the upstream connection. It first reads and throws away whatever the upstream has already sent, until its socket is empty, then closes: a FIN when nothing new arrived in between, an RST when more of the response landed after its last read (the upstream, still sending, then meets an RST either way). Which one is a race between the two processes, not a setting: proxy_buffering and temp files do not change it.",
            Why: "A 499 is the proxy's way to say 'the client left first'. Whether the upstream hears about it is the proxy's choice: passing the abort on lets the application stop work nobody will read; ignoring it makes sure work with side effects runs to the end, at the price of producing responses for nobody. nginx's message says 'while sending request to upstream' even though the request had been sent and nginx was waiting for the response.",
            Diagnose: "499s in the access log with request_time equal to the client's timeout; the client-side lines are logged at info, so an error_log at the default 'error' level shows nothing. In the application: aborted requests (RequestAborted) or broken pipes on write, seconds after the proxy's 499.",
            Fix: "What a team usually wants: keep nginx's default (the abort reaches the upstream) and make the application stop when it does — pass HttpContext.RequestAborted to the work; a raw server checks for the peer's close before writing. Use proxy_ignore_client_abort on only for requests whose side effects must complete (a payment, an import), and then do not depend on writing the response."),
        Broken: new ScenarioVariant(
            "default: 499 and 'client prematurely closed connection' in nginx's logs; the raw upstream sees nginx's FIN at ≈1 s and fails with EPIPE on send #2 at 4 s; Kestrel fires RequestAborted at ≈1 s but still writes 10 MB into nothing. With proxy_ignore_client_abort on: the upstream runs to the end, nginx logs 'writev() failed (32: Broken pipe) while sending to client' and closes its upstream connection after reading what had arrived (a FIN, or an RST when more landed before the close)",
            Work,
            (lab, ct) => RunAsync(lab, honourAbort: false, ct),
            [
                Expect.Event("nginx logs 499 for the client that left", e => e.Kind == EventKind.ProxyAccess && e.Actor == "nginx" && e.Status == 499),
                Expect.Event("nginx logs 'client prematurely closed connection' (info)", e => e.Kind == EventKind.ProxyClientClosed && e.Actor == "nginx"),
                Expect.Event("raw upstream: nginx's FIN arrives", e => e.Kind == EventKind.PeerClosed && e.Actor == "upstream[raw]" && e.Closed == CloseHow.Fin),
                Expect.Event("raw upstream: send #2 fails with EPIPE at 4 s", On.Failed(EventKind.SendFailed, "upstream[raw]", Errno.EPIPE, 2)),
                Expect.That(
                    "Kestrel: RequestAborted fires within 250 ms of Kestrel reading nginx's FIN (the client's close, ≈1 s, passed on)",
                    events => On.Gap(events, e => e.Kind == EventKind.ClosedFin && e.Actor == "client[kestrel]", KestrelReadsFin) >= TimeSpan.Zero
                        && On.Within(events, KestrelReadsFin, e => e.Kind == EventKind.RequestAborted && e.Actor == "kestrel#1", AbortLatency)),
                Expect.Event("Kestrel: the 10 MB write goes nowhere", e => e.Kind == EventKind.WriteIntoVoid && e.Actor == "kestrel#1"),
                Expect.Event("ignore_client_abort: nginx logs 'writev() failed (32: Broken pipe) while sending to client'", e => e.Kind == EventKind.ProxyClientBrokenPipe && e.Errno == Errno.EPIPE),
                Expect.Event("ignore_client_abort: the Kestrel upstream runs to the end and writes all 10 MB", e => e.Kind == EventKind.HandlerCompleted && e.Actor == "kestrel[ignore]#1" && e.Bytes == Body),
                // Kestrel logs nginx's RST as "reset" ([19]) or, when its write meets it first, only as "sending RST because: Broken pipe" ([8]).
                Expect.Event("ignore_client_abort: nginx then closes its upstream connection (Kestrel logs its FIN, its reset, or the RST its own write met: nginx first reads what has arrived, and whether more lands before its close is a race)", IgnoreUpstreamClosed),
                Expect.FirstDisconnect(Side.Client, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "default nginx and upstreams that stop when the client has gone: the Kestrel handler stops at ≈1 s and writes nothing; the raw upstream checks for nginx's FIN and writes nothing; the 499 remains (the client did leave)",
            Work,
            (lab, ct) => RunAsync(lab, honourAbort: true, ct),
            [
                Expect.Event("nginx logs 499", e => e.Kind == EventKind.ProxyAccess && e.Status == 499),
                Expect.That(
                    "Kestrel: the work stops within 250 ms of Kestrel reading nginx's FIN (the client's close passed on)",
                    events => On.Gap(events, e => e.Kind == EventKind.ClosedFin && e.Actor == "client[kestrel]", KestrelReadsFin) >= TimeSpan.Zero
                        && On.Within(events, KestrelReadsFin, e => e.Kind == EventKind.HandlerFailed && e.Failure == SocketFailure.Canceled, AbortLatency)),
                Expect.No("nothing is written into the void", On.Kind(EventKind.WriteIntoVoid)),
                Expect.No("no send fails", On.Kind(EventKind.SendFailed)),
                Expect.FirstDisconnect(Side.Client, "FIN"),
            ]))
    {
        Proxy = "nginx",
        OnProxy = new Dictionary<string, ProxyVariants> { ["haproxy"] = ProxyClientAbortOnHAProxy.Variants },
        Produces = [Signature.Logs("client prematurely closed connection"), Signature.Logs("writev() failed (32: Broken pipe) while sending to client"), Signature.Fails(Side.Server, SocketFailure.BrokenPipe, Errno.EPIPE), Signature.LogsOn("haproxy", " CD-- ")],
    };

    private static async Task RunAsync(LabSandbox lab, bool honourAbort, CancellationToken ct)
    {
        var raw = await RawTcpServer.StartAsync(
            lab,
            new RawTcpServerOptions { Name = "upstream[raw]", Wait = Work, ResponseBytes = Body, ChunkBytes = 64 * 1024, AbandonIfPeerClosed = honourAbort },
            ct);
        var kestrel = await KestrelServer.StartAsync(lab, Handler(honourAbort), cancellationToken: ct);
        // The other setting, side by side (broken variant): nginx keeps the upstream request when the client leaves.
        var kestrelIgnore = honourAbort ? null : await KestrelServer.StartAsync(lab, Handler(honourAbort), new KestrelOptions { Name = "kestrel[ignore]" }, ct);
        // The proxies are independent: they start side by side (on the docker runtime each is a container's start).
        var nginxRawStart = NginxProxy.StartAsync(lab, raw.Endpoint, new NginxOptions { Name = "nginx[raw]" }, ct);
        var nginxStart = NginxProxy.StartAsync(lab, kestrel.Endpoint, new NginxOptions { Name = "nginx" }, ct);
        var nginxIgnoreStart = kestrelIgnore is null ? null : NginxProxy.StartAsync(lab, kestrelIgnore.Endpoint, new NginxOptions { Name = "nginx[ignore]", IgnoreClientAbort = true }, ct);
        await Task.WhenAll(new[] { nginxRawStart, nginxStart, nginxIgnoreStart }.OfType<Task<NginxProxy>>());
        var clients = new List<Task>
        {
            GiveUpAsync(lab, await nginxRawStart, "client[raw]", ct),
            GiveUpAsync(lab, await nginxStart, "client[kestrel]", ct),
        };
        if (nginxIgnoreStart is not null) clients.Add(GiveUpAsync(lab, await nginxIgnoreStart, "client[ignore]", ct));
        await Task.WhenAll(clients);
        var bound = Work + TimeSpan.FromSeconds(10);
        await Waits.HandlerDoneAsync(lab.Timeline, "upstream[raw]", bound, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", bound, ct);
        if (!honourAbort)
        {
            await Waits.HandlerDoneAsync(lab.Timeline, "kestrel[ignore]#1", bound, ct);
            await lab.Timeline.WaitForAsync(EventKind.ProxyClientBrokenPipe, TimeSpan.FromSeconds(5), Side.Proxy, cancellationToken: ct);
            // Kestrel logs how nginx left when its socket loop gets to it: on a busy machine after the rest.
            await lab.Timeline.WaitForAsync(IgnoreUpstreamClosed, TimeSpan.FromSeconds(5), "Kestrel [kestrel[ignore]] logging how nginx left (reset or FIN)", ct);
        }
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == "nginx", TimeSpan.FromSeconds(5), "nginx's access-log line", ct);
    }

    // Timed from Kestrel's own read of the FIN, not the client's close(): between the two are nginx and two socket
    // loops, whose delay on a busy machine is the scheduler's, not the story's.
    private static readonly TimeSpan AbortLatency = TimeSpan.FromMilliseconds(250);

    private static bool KestrelReadsFin(LabEvent e) => e.Kind == EventKind.KestrelReceivedFin && e.Actor == "kestrel";

    // After its write to the gone client fails, nginx reads and discards what has arrived until recv() says EAGAIN, then
    // closes (ngx_event_pipe drains its chains on a downstream error; with proxy_buffering off it was seen too). A FIN
    // when the socket was empty at close(), an RST when Kestrel's next bytes landed after that last read: on the local
    // runtime mostly the reset, on the docker runtime the FIN in 3–8 runs of 10, whatever the buffering.
    private static bool IgnoreUpstreamClosed(LabEvent e) =>
        e.Actor == "kestrel[ignore]" && (e.Kind is EventKind.KestrelReset or EventKind.KestrelReceivedFin || (e.Kind == EventKind.KestrelSendingRst && e.Errno is Errno.EPIPE or Errno.ECONNRESET));

    private static Func<KestrelExchange, Task> Handler(bool honourAbort) => async x =>
    {
        await x.DelayAsync(Work, honourAbort);
        await x.WriteAsync(Body, honourAbort);
    };

    /// <summary>Like curl --max-time 1: the client closes (FIN) after 1 s, before any response byte.</summary>
    private static Task GiveUpAsync(LabSandbox lab, NginxProxy proxy, string name, CancellationToken ct) =>
        RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Name = name, Path = "/report", CloseWhen = Trigger.After(ClientGivesUp) }, ct);
}
