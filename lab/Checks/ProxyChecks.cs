using System.Diagnostics;
using System.Globalization;
using System.Net;
using BrokenPipe.Lab.Parts;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Checks;

/// <summary>
/// Regression checks for a team's own nginx config (a template with <c>{{listen}}</c> and <c>{{upstream}}</c>): each
/// check starts the config in front of a lab upstream and drives one client behaviour that production will too. Every
/// check runs in its own lab with its own ports and run dir, so they run side by side and leave nothing behind. A check
/// whose request never reached the upstream is <see cref="ProxyCheckVerdict.NotExercised"/>, never a failure.
/// </summary>
public static class ProxyChecks
{
    /// <summary>The long-response check's name.</summary>
    public const string LongResponseName = "long-response";

    /// <summary>The slow-client check's name.</summary>
    public const string SlowClientName = "slow-client";

    /// <summary>The client-abort check's name.</summary>
    public const string ClientAbortName = "client-abort";

    /// <summary>The keepalive-reuse check's name.</summary>
    public const string KeepAliveReuseName = "keepalive-reuse";

    /// <summary>The streaming-gaps check's name.</summary>
    public const string StreamingGapsName = "streaming-gaps";

    /// <summary>The websocket-idle check's name.</summary>
    public const string WebSocketIdleName = "websocket-idle";

    /// <summary>The large-upload check's name.</summary>
    public const string LargeUploadName = "large-upload";

    /// <summary>Every check's name, in the order they are reported.</summary>
    public static IReadOnlyList<string> Names { get; } = [LongResponseName, SlowClientName, ClientAbortName, KeepAliveReuseName, StreamingGapsName, WebSocketIdleName, LargeUploadName];

    /// <summary>Runs every check (or <see cref="ProxyCheckOptions.Only"/>), side by side, in the order of <see cref="Names"/>.</summary>
    public static async Task<IReadOnlyList<ProxyCheckResult>> RunAllAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        options.Validate();
        var checks = new Dictionary<string, Func<Task<ProxyCheckResult>>>
        {
            [LongResponseName] = () => LongResponseAsync(configPath, options, cancellationToken),
            [SlowClientName] = () => SlowClientAsync(configPath, options, cancellationToken),
            [ClientAbortName] = () => ClientAbortAsync(configPath, options, cancellationToken),
            [KeepAliveReuseName] = () => KeepAliveReuseAsync(configPath, options, cancellationToken),
            [StreamingGapsName] = () => StreamingGapsAsync(configPath, options, cancellationToken),
            [WebSocketIdleName] = () => WebSocketIdleAsync(configPath, options, cancellationToken),
            [LargeUploadName] = () => LargeUploadAsync(configPath, options, cancellationToken),
        };
        return await Task.WhenAll(Names.Where(n => options.Only is null || options.Only.Contains(n)).Select(n => checks[n]())).ConfigureAwait(false);
    }

    /// <summary>A response that takes <see cref="ProxyCheckOptions.LongResponse"/> (plus a margin) before its first byte gets through complete.</summary>
    public static Task<ProxyCheckResult> LongResponseAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        var wait = options.LongResponse;
        var margin = ProxyCheckOptions.Margin(wait);
        var description = $"a response that takes {Seconds(wait)} gets through (the upstream waits {Seconds(margin)} more: a read timeout of exactly {Seconds(wait)} is a race, counted as too short)";
        return RunAsync(LongResponseName, description, configPath, options, cancellationToken, async (lab, ct) =>
        {
            var route = RouteOf(configPath, options, "export");
            if (OtherProtocol(route) is { } other) return other;
            var app = await KestrelServer.StartAsync(lab, Serve(lab, route, async x =>
            {
                await x.DelayAsync(wait + margin, honourAbort: true);
                await x.WriteAsync(1024 * 1024);
            }), cancellationToken: ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = route.MainPath;
            var r = await client.SendAsync(new CheckRequest { Path = path, Deadline = wait + margin + TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
            return Judge(lab, nginx, route, r, r.Status == 200 && r.Complete, r.Describe());
        });
    }

    /// <summary>A client that reads a 2 MB response slowly gets all of it.</summary>
    public static Task<ProxyCheckResult> SlowClientAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        const int size = 2 * 1024 * 1024;
        var rate = options.SlowClientBytesPerSecond;
        return RunAsync(SlowClientName, $"a client reading at {rate / 1024:0} KB/s gets a 2 MB response", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var route = RouteOf(configPath, options, "download");
            if (OtherProtocol(route) is { } other) return other;
            var app = await KestrelServer.StartAsync(lab, Serve(lab, route, x => x.WriteAsync(size, honourAbort: true)), cancellationToken: ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = route.MainPath;
            var r = await client.SendAsync(new CheckRequest { Path = path, ReadBytesPerSecond = rate, Deadline = TimeSpan.FromSeconds(size / rate * 3 + 30) }, ct).ConfigureAwait(false);
            return Judge(lab, nginx, route, r, r.Status == 200 && r.Complete, r.Describe());
        });
    }

    /// <summary>A client that gives up after 1 s is logged as 499, and the upstream hears about it (RequestAborted).</summary>
    public static Task<ProxyCheckResult> ClientAbortAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        return RunAsync(ClientAbortName, "a client that gives up 1 s after the upstream got its request: 499, and the abort reaches the upstream", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var route = RouteOf(configPath, options, "report");
            if (OtherProtocol(route) is { } other) return other;
            var app = await KestrelServer.StartAsync(lab, Serve(lab, route, x => x.DelayAsync(TimeSpan.FromSeconds(5), honourAbort: true)), cancellationToken: ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = route.MainPath;
            // The client's patience runs from the moment the upstream has the request (not from connect: a TLS handshake
            // on a loaded machine must not make the abort land before the request is even there).
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var timer = GiveUpAfterAsync(lab, route, TimeSpan.FromSeconds(1), patience.Token);
            var r = await client.SendAsync(new CheckRequest { Path = path, AbortOn = e => e.Side == Side.Lab && e.Kind == EventKind.Note && e.Actor == GiveUpActor, AbortDescription = "1 s after the upstream got the request" }, ct).ConfigureAwait(false);
            await patience.CancelAsync().ConfigureAwait(false);
            await timer.ConfigureAwait(false);
            if (!route.MainSeen(lab.Timeline.Snapshot())) return NotExercised(lab, nginx, route, r);
            var aborted = await WaitAsync(lab, e => e.Kind == EventKind.RequestAborted, TimeSpan.FromSeconds(4), ct).ConfigureAwait(false);
            // The main request's access record: an auth subrequest is not logged on its own, so the last record is the request's.
            var access = await WaitAsync(lab, e => e.Kind == EventKind.ProxyAccess, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            var observed = $"access-log status {access?.Status.ToString() ?? "none"}; upstream {(aborted is null ? "not aborted: it worked on for nobody" : "aborted")}";
            if (aborted is null && route.Route.Cache is { } cache)
            {
                // By design: nginx finishes a cacheable fetch after the client leaves, to fill the cache. Not a defect of the config.
                var note = $"the route is cached ({cache}): nginx finishes the upstream fetch after the client leaves, to fill the cache; that is the cache's design, so the abort cannot reach the upstream";
                return access?.Status == 499
                    ? new CheckOutcome(ProxyCheckVerdict.Pass, $"access-log status 499; upstream not aborted, by the cache's design (see the warning)") { Warnings = [note] }
                    : new CheckOutcome(ProxyCheckVerdict.NotExercised, $"access-log status {access?.Status.ToString() ?? "none"}; upstream not aborted: {note}");
            }
            if (aborted is null) observed += " (nginx keeps the upstream request going after the client left when the response is cacheable under proxy_cache, or with proxy_ignore_client_abort on)";
            return (aborted is not null && access?.Status == 499 ? ProxyCheckVerdict.Pass : ProxyCheckVerdict.Fail, observed);
        });
    }

    private const string GiveUpActor = "client-patience";

    /// <summary>Records the client's "I give up" <paramref name="after"/> the upstream got the request.</summary>
    private static async Task GiveUpAfterAsync(LabSandbox lab, CheckRoute route, TimeSpan after, CancellationToken ct)
    {
        try
        {
            // The main request, not an auth subrequest before it: the abort is the main request's to judge.
            await lab.Timeline.WaitForAsync(route.IsMain, TimeSpan.FromMinutes(10), cancellationToken: ct).ConfigureAwait(false);
            await Task.Delay(after, ct).ConfigureAwait(false);
            lab.Timeline.Note(Side.Lab, $"{after.TotalSeconds:0.#} s after the upstream got the request: the client gives up", GiveUpActor);
        }
        catch (Exception e) when (e is OperationCanceledException or TimelineTimeoutException)
        {
            // The exchange ended first (nginx answered itself).
        }
    }

    /// <summary>
    /// Requests spaced longer than the upstream's idle timeout, against an upstream that behaves like a real one (it
    /// honours <c>Connection: close</c> and HTTP/1.0, and its idle close crosses the next request on a reused connection):
    /// no client gets a 502. Only a config that really reuses idle upstream connections longer than the upstream keeps them fails.
    /// </summary>
    public static Task<ProxyCheckResult> KeepAliveReuseAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        var idle = options.UpstreamIdleTimeout;
        // Just past the upstream's idle timeout: a config whose own idle timeout lies above this reuses connections the
        // upstream has closed, and fails every run; one at or below the upstream's passes.
        var spacing = idle + TimeSpan.FromMilliseconds(Math.Max(200, idle.TotalMilliseconds * 0.1));
        return RunAsync(KeepAliveReuseName, $"{options.KeepAliveRequests} requests {Seconds(spacing)} apart, upstream idle timeout {Seconds(idle)}: no 502", configPath, options, cancellationToken, async (lab, ct) =>
        {
            // One route for the GETs (items) and one for the POSTs (orders): both must speak HTTP/1.x upstream.
            var orders = RouteOf(configPath, options, "orders");
            var items = RouteOf(configPath, options, "items");
            var route = new CheckRoute(items.Route, items.MainPath) { AlsoMain = [orders.MainPath] };
            if ((OtherProtocol(route) ?? OtherProtocol(orders)) is { } other) return other;
            var app = await RawTcpServer.StartAsync(
                lab,
                new RawTcpServerOptions
                {
                    Name = "upstream",
                    KeepAlive = true,
                    IdleTimeout = idle,
                    CloseIdleOnNextRequest = true,
                    HonourConnectionClose = true,
                    MaxRequestsPerConnection = options.UpstreamMaxRequests,
                    ResponseBytes = 256,
                },
                ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var statuses = new List<string>();
            CheckResponse? last = null;
            for (var i = 0; i < options.KeepAliveRequests; i++)
            {
                if (i > 0) await Task.Delay(spacing, ct).ConfigureAwait(false); // the idle time is what is being checked
                var post = i % 2 == 1;
                last = await client.SendAsync(
                    new CheckRequest { Name = $"client#{i + 1}", Method = post ? "POST" : "GET", Path = client.PathFor(post ? "orders" : "items"), UploadBytes = post ? 64 : 0, Deadline = TimeSpan.FromSeconds(10) },
                    ct).ConfigureAwait(false);
                statuses.Add($"{(post ? "POST" : "GET")} {last.Status?.ToString(CultureInfo.InvariantCulture) ?? "no response"}");
            }
            nginx.Flush();
            var events = lab.Timeline.Snapshot();
            if (!route.MainSeen(events)) return NotExercised(lab, nginx, route, last!);
            foreach (var sub in route.Requests(events).Where(q => q.Kind == UpstreamRequest.AuthSubrequest))
            {
                lab.Timeline.Note(Side.Server, $"{sub.Text[..sub.Text.IndexOf(" (", StringComparison.Ordinal)]} is the auth subrequest ({route.Route.AuthSubrequest}): the raw upstream answered it at once", AuthSubrequestActor);
            }
            var dropped = events.Count(e => e.Kind == EventKind.RequestDropped);
            var reused = events.Count(e => e.Side == Side.Server && e.Kind == EventKind.RequestReceived && e.Index > 1);
            var passed = statuses.All(s => s.EndsWith(" 200", StringComparison.Ordinal)) && dropped == 0;
            return (passed ? ProxyCheckVerdict.Pass : ProxyCheckVerdict.Fail, $"{string.Join(", ", statuses)}; nginx reused an upstream connection {reused} time(s); {dropped} request(s) sent on a connection the upstream was closing");
        });
    }

    /// <summary>A streaming response with <see cref="ProxyCheckOptions.StreamGap"/> (plus a margin) between its chunks arrives whole.</summary>
    public static Task<ProxyCheckResult> StreamingGapsAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        var gap = options.StreamGap;
        var margin = ProxyCheckOptions.Margin(gap);
        return RunAsync(StreamingGapsName, $"a streaming response with {Seconds(gap)} gaps arrives whole (gaps {Seconds(gap + margin)} with the margin)", configPath, options, cancellationToken, async (lab, ct) =>
        {
            const int size = 3 * 1024;
            var route = RouteOf(configPath, options, "events");
            if (OtherProtocol(route) is { } other) return other;
            long sent = -1;
            var app = await KestrelServer.StartAsync(lab, Serve(lab, route, async x =>
            {
                await x.StreamAsync(size, 1024, honourAbort: true, gap: gap + margin, chunked: true);
                Interlocked.Exchange(ref sent, x.BytesWritten);
            }), cancellationToken: ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = route.MainPath;
            var r = await client.SendAsync(new CheckRequest { Path = path, Deadline = 2 * (gap + margin) + TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
            // A body ended by the close (chunked_transfer_encoding off, or an HTTP/1.0 client) is complete when every byte the
            // upstream wrote arrived: RFC 9112 §6.3 allows that framing, and the close is then its end.
            var upstreamWrote = Interlocked.Read(ref sent);
            var whole = r.Complete || (r.CloseDelimited && upstreamWrote == size && r.BodyBytes == upstreamWrote);
            var observed = r.CloseDelimited ? $"{r.Describe()}; the upstream wrote {(upstreamWrote < 0 ? "an unfinished stream" : $"{upstreamWrote} bytes")}" : r.Describe();
            return Judge(lab, nginx, route, r, r.Status == 200 && whole, observed);
        });
    }

    /// <summary>
    /// A websocket (Upgrade) that stays idle must stay open for <see cref="ProxyCheckOptions.WebSocketIdle"/>; the check keeps
    /// watching (up to the long-response time) to show when nginx closes it (its proxy_read_timeout). Not exercised when the
    /// route does not pass the Upgrade through.
    /// </summary>
    public static Task<ProxyCheckResult> WebSocketIdleAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        var idle = options.WebSocketIdle;
        var watch = (idle + ProxyCheckOptions.Margin(idle)) > options.LongResponse ? idle + ProxyCheckOptions.Margin(idle) : options.LongResponse;
        return RunAsync(WebSocketIdleName, $"an idle websocket stays open {Seconds(idle)} (+{Seconds(ProxyCheckOptions.Margin(idle))} margin; watched for {Seconds(watch)} to show when nginx closes it)", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var route = RouteOf(configPath, options, "ws");
            if (OtherProtocol(route) is { } other) return other;
            var app = WebSocketUpstream.Start(lab, route);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = route.MainPath;
            var (status, closedAfter) = await WebSocketProbe.RunAsync(lab, nginx, client.Host, path, watch, ct).ConfigureAwait(false);
            nginx.Flush();
            var events = lab.Timeline.Snapshot();
            var seen = events.FirstOrDefault(route.IsMain);
            if (seen is null) return (ProxyCheckVerdict.NotExercised, $"nginx answered {status?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} itself; {Received(route, events)}: {PathHint}");
            if (seen.Status != 101) return (ProxyCheckVerdict.NotExercised, $"the upstream got GET {path} without Upgrade: the route does not pass websockets (proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\"; proxy_http_version 1.1)");
            // nginx passes an Upgrade as HTTP/1.0 when the route keeps its default proxy_http_version: it works here, but
            // RFC 6455 asks for HTTP/1.1 or later, and a strict server (or one behind another proxy) answers 400.
            List<string> warnings = seen.Detail.Contains(" HTTP/1.0 ", StringComparison.Ordinal)
                ? [$"the upgrade reached the upstream as HTTP/1.0 ({route.Route.UpstreamHttp10 ?? "proxy_http_version 1.0"}): a strict RFC 6455 server answers 400; set proxy_http_version 1.1 on the route"]
                : [];
            if (status != 101) return (ProxyCheckVerdict.Fail, $"the upstream switched protocols but the client got {status?.ToString(CultureInfo.InvariantCulture) ?? "no response"}");
            if (closedAfter is { } t && t < idle + ProxyCheckOptions.Margin(idle))
            {
                return new CheckOutcome(ProxyCheckVerdict.Fail, $"upgraded (101); nginx closed the idle websocket after {Seconds(t)}, before {Seconds(idle)} and its {Seconds(ProxyCheckOptions.Margin(idle))} margin (its proxy_read_timeout)") { Warnings = warnings };
            }
            return new CheckOutcome(ProxyCheckVerdict.Pass, closedAfter is { } c
                ? $"upgraded (101); still open after {Seconds(idle)} idle; nginx closed it after {Seconds(c)} idle (its proxy_read_timeout)"
                : $"upgraded (101); still open after {Seconds(watch)} idle") { Warnings = warnings };
        });
    }

    /// <summary>
    /// An upload of <see cref="ProxyCheckOptions.UploadBytes"/> reaches the upstream whole. When nginx refuses it (413,
    /// client_max_body_size), the result shows what the client's send did (EPIPE/ECONNRESET, or all sent into nginx's
    /// lingering close) and what the upstream saw.
    /// </summary>
    public static Task<ProxyCheckResult> LargeUploadAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        var size = options.UploadBytes;
        return RunAsync(LargeUploadName, $"a {Bytes(size)} upload reaches the upstream whole", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var upload = RouteOf(configPath, options, "upload");
            var route = new CheckRoute(upload.Route, upload.MainPath) { Method = "POST" };
            if (OtherProtocol(route) is { } other) return other;
            var app = await KestrelServer.StartAsync(
                lab,
                Serve(lab, route, async x =>
                {
                    await x.ReadBodyAsync(honourAbort: true);
                    await x.WriteAsync(256);
                }),
                new KestrelOptions { MaxRequestBodySize = null, MinRequestBodyDataRate = null },
                ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = route.MainPath;
            var r = await client.SendAsync(new CheckRequest { Method = "POST", Path = path, UploadBytes = size, Deadline = TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
            await WaitAsync(lab, e => e.Kind == EventKind.ProxyAccess, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false); // nginx logs after it answered
            var events = lab.Timeline.Snapshot();
            var upstreamBytes = events.LastOrDefault(e => e.Side == Side.Server && e.Kind == EventKind.Received)?.Bytes;
            var saw = route.MainSeen(events);
            var send = r.UploadFailure is { } f
                ? $"the client's send failed after {Bytes(r.Uploaded)} with {SocketFailures.Name(f)}{(r.UploadErrno is { } n ? $" ({SocketFailures.ErrnoName(n)})" : "")}"
                : $"the client sent {Bytes(r.Uploaded)}";
            var upstream = saw ? $"the upstream saw the request and read {Bytes(upstreamBytes ?? 0)} of its body" : "the upstream saw nothing";
            if (!r.UploadObserved) send = r.UploadFailure is { } hf ? $"the client's upload failed with {SocketFailures.Name(hf)}" : "the client (HttpClient over TLS or HTTP/2) does not say how much of the body it sent";
            else if (r.Status == 413 && r.UploadFailure is null) send = $"the client sent all {Bytes(r.Uploaded)}: nginx read and discarded it (its lingering close; a client still sending after lingering_time gets EPIPE/ECONNRESET)";
            if (r.Status == 413) return (ProxyCheckVerdict.Fail, $"HTTP 413 from nginx (client_max_body_size); {send}; {upstream}");
            if (!saw) return NotExercised(lab, nginx, route, r);
            return r.Status == 200 && upstreamBytes == size
                ? new CheckOutcome(ProxyCheckVerdict.Pass, $"{r.Describe()}; {upstream}") { Framing = r.Framing }
                : new CheckOutcome(ProxyCheckVerdict.Fail, $"{r.Describe()}; {send}; {upstream}") { Framing = r.Framing };
        });
    }

    private const string PathHint = "is that path proxied to {{upstream}}? choose one that is with --path (and --host for server_name)";

    private static async Task<ProxyCheckResult> RunAsync(
        string name,
        string description,
        string configPath,
        ProxyCheckOptions options,
        CancellationToken cancellationToken,
        Func<LabSandbox, CancellationToken, Task<CheckOutcome>> body)
    {
        var clock = Stopwatch.StartNew();
        var lab = new LabSandbox($"check-{name}");
        var outcome = new CheckOutcome(ProxyCheckVerdict.NotExercised, "the check could not run");
        string? error = null;
        try
        {
            outcome = WithSubrequests(await body(lab, cancellationToken).ConfigureAwait(false), lab.Timeline.Snapshot());
        }
        catch (Exception e) when (e is not NginxConfigException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // Not the config's behaviour: no verdict (an exit code 1 must only ever mean a behaviour was seen to fail).
            error = e.Message;
            outcome = new CheckOutcome(ProxyCheckVerdict.NotExercised, "the check could not run");
        }
        finally
        {
            // Parts stop first, so the timeline holds their last events too.
            await lab.DisposeAsync().ConfigureAwait(false);
        }
        return new ProxyCheckResult(name, description, outcome.Verdict, outcome.Observed, clock.Elapsed, lab.Timeline.Snapshot()) { Error = error, Warnings = outcome.Warnings, Framing = outcome.Framing };
    }

    /// <summary>The actor of the note an upstream records when it answers an auth subrequest.</summary>
    internal const string AuthSubrequestActor = "auth-subrequest";

    /// <summary>A judged outcome also names the auth subrequests the upstream answered: what it really received, beside the main request.</summary>
    private static CheckOutcome WithSubrequests(CheckOutcome outcome, IReadOnlyList<LabEvent> events)
    {
        if (outcome.Verdict == ProxyCheckVerdict.NotExercised) return outcome; // its observed already says what the upstream got
        var answered = events.Where(e => e.Kind == EventKind.Note && e.Actor == AuthSubrequestActor).Select(e => e.Detail[..e.Detail.IndexOf(" is the auth subrequest", StringComparison.Ordinal)]).ToList();
        return answered.Count == 0
            ? outcome
            : outcome with { Observed = $"{outcome.Observed}; the upstream also got {answered.Count} auth subrequest(s) ({string.Join(", ", answered.Distinct())}), answered 200 at once" };
    }

    private static async Task<(IProxyPart Proxy, CheckClient Client)> ProxyAsync(LabSandbox lab, IPEndPoint upstream, string configPath, ProxyCheckOptions options, CancellationToken ct)
    {
        var nginx = await NginxProxy.StartAsync(
            lab,
            upstream,
            options.NginxOptionsFor(configPath),
            ct).ConfigureAwait(false);
        return (nginx, new CheckClient(lab, nginx, options));
    }

    /// <summary>The route the check's request takes, read from the config (nginx's locations): what the upstream will be asked, and in which protocol.</summary>
    private static CheckRoute RouteOf(string configPath, ProxyCheckOptions options, string name)
    {
        var path = options.Path.TrimEnd('/') + "/" + name;
        return new CheckRoute(NginxRoutes.Find(configPath, path, options.Host ?? "localhost"), path);
    }

    /// <summary>A route whose upstream protocol is not HTTP/1.x: the lab's upstream could not read a request, so nothing is judged.</summary>
    private static CheckOutcome? OtherProtocol(CheckRoute route) =>
        route.Route.OtherProtocol is { } protocol
            ? new CheckOutcome(ProxyCheckVerdict.NotExercised, $"{route.Route.Where ?? "the route"} passes the check's request for {route.MainPath} upstream as {protocol}; the lab's upstreams speak HTTP/1.x only, so no request of this check could reach one: nothing to judge")
            : null;

    /// <summary>
    /// The check's upstream handler behind the route's auth subrequest: a request the route sends for authorisation is
    /// answered at once with 200 and no body (what an auth server does), so that the main request goes on to <paramref name="main"/>.
    /// </summary>
    private static Func<KestrelExchange, Task> Serve(LabSandbox lab, CheckRoute route, Func<KestrelExchange, Task> main) => x =>
    {
        var request = x.Context.Request;
        var target = $"{request.Path}{request.QueryString}";
        if (!route.IsAuthSubrequest(target)) return main(x);
        lab.Timeline.Note(Side.Server, $"{request.Method} {target} is the auth subrequest ({route.Route.AuthSubrequest}): answered 200 at once, as an auth server would", AuthSubrequestActor);
        x.Context.Response.StatusCode = 200;
        x.Context.Response.ContentLength = 0;
        return Task.CompletedTask;
    };

    private static CheckOutcome Judge(LabSandbox lab, IProxyPart nginx, CheckRoute route, CheckResponse r, bool passed, string observed) =>
        !route.MainSeen(lab.Timeline.Snapshot()) ? NotExercised(lab, nginx, route, r) : new CheckOutcome(passed ? ProxyCheckVerdict.Pass : ProxyCheckVerdict.Fail, observed) { Framing = r.Framing };

    private static CheckOutcome NotExercised(LabSandbox lab, IProxyPart nginx, CheckRoute route, CheckResponse r)
    {
        nginx.Flush();
        var answer = r.Status is { } s ? $"nginx answered {s} itself" : $"no response ({r.Failure?.ToString() ?? "nothing"})";
        return new CheckOutcome(ProxyCheckVerdict.NotExercised, $"{answer}; {Received(route, lab.Timeline.Snapshot())}: {PathHint}") { Framing = r.Framing };
    }

    /// <summary>What the upstream really received, when it was not the check's request: nothing, or an auth subrequest only, or bytes it could not read.</summary>
    private static string Received(CheckRoute route, IReadOnlyList<LabEvent> events)
    {
        var requests = route.Requests(events);
        var main = $"{route.Method} {route.MainPath}";
        if (requests.Count == 0) return $"the upstream never saw {main} (a 404, a redirect, an error page or a cache hit)";
        var got = string.Join(", ", requests.Select(q => q.Text).Distinct());
        var why = requests.Any(q => q.Kind == UpstreamRequest.AuthSubrequest) ? $" ({route.Route.AuthSubrequest ?? "an auth subrequest"}: nginx stopped after it)" : "";
        return $"the upstream received only {got}{why}, never the check's own {main}";
    }

    private static async Task<LabEvent?> WaitAsync(LabSandbox lab, Func<LabEvent, bool> predicate, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            return await lab.Timeline.WaitForAsync(predicate, timeout, cancellationToken: ct).ConfigureAwait(false);
        }
        catch (TimelineTimeoutException)
        {
            return null;
        }
    }

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.#} s");

    private static string Bytes(long n) =>
        n >= 1024 * 1024 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1048576.0:0.#} MB") : n >= 1024 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1024.0:0.#} KB") : $"{n} bytes";
}
