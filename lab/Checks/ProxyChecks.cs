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
            var app = await KestrelServer.StartAsync(lab, async x =>
            {
                await x.DelayAsync(wait + margin, honourAbort: true);
                await x.WriteAsync(1024 * 1024);
            }, cancellationToken: ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = client.PathFor("export");
            var r = await client.SendAsync(new CheckRequest { Path = path, Deadline = wait + margin + TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
            return Judge(lab, nginx, "GET " + path, r, r.Status == 200 && r.Complete, r.Describe());
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
            var app = await KestrelServer.StartAsync(lab, x => x.WriteAsync(size, honourAbort: true), cancellationToken: ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = client.PathFor("download");
            var r = await client.SendAsync(new CheckRequest { Path = path, ReadBytesPerSecond = rate, Deadline = TimeSpan.FromSeconds(size / rate * 3 + 30) }, ct).ConfigureAwait(false);
            return Judge(lab, nginx, "GET " + path, r, r.Status == 200 && r.Complete, r.Describe());
        });
    }

    /// <summary>A client that gives up after 1 s is logged as 499, and the upstream hears about it (RequestAborted).</summary>
    public static Task<ProxyCheckResult> ClientAbortAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        return RunAsync(ClientAbortName, "a client that gives up 1 s after the upstream got its request: 499, and the abort reaches the upstream", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var app = await KestrelServer.StartAsync(lab, x => x.DelayAsync(TimeSpan.FromSeconds(5), honourAbort: true), cancellationToken: ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = client.PathFor("report");
            // The client's patience runs from the moment the upstream has the request (not from connect: a TLS handshake
            // on a loaded machine must not make the abort land before the request is even there).
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var timer = GiveUpAfterAsync(lab, TimeSpan.FromSeconds(1), patience.Token);
            var r = await client.SendAsync(new CheckRequest { Path = path, AbortOn = e => e.Side == Side.Lab && e.Kind == EventKind.Note && e.Actor == GiveUpActor, AbortDescription = "1 s after the upstream got the request" }, ct).ConfigureAwait(false);
            await patience.CancelAsync().ConfigureAwait(false);
            await timer.ConfigureAwait(false);
            if (!UpstreamSaw(lab)) return NotExercised(lab, nginx, "GET " + path, r);
            var aborted = await WaitAsync(lab, e => e.Kind == EventKind.RequestAborted, TimeSpan.FromSeconds(4), ct).ConfigureAwait(false);
            var access = await WaitAsync(lab, e => e.Kind == EventKind.ProxyAccess, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            var observed = $"access-log status {access?.Status.ToString() ?? "none"}; upstream {(aborted is null ? "not aborted: it worked on for nobody" : "aborted")}";
            if (aborted is null) observed += " (nginx keeps the upstream request going after the client left when the response is cacheable under proxy_cache, or with proxy_ignore_client_abort on)";
            return (aborted is not null && access?.Status == 499 ? ProxyCheckVerdict.Pass : ProxyCheckVerdict.Fail, observed);
        });
    }

    private const string GiveUpActor = "client-patience";

    /// <summary>Records the client's "I give up" <paramref name="after"/> the upstream got the request.</summary>
    private static async Task GiveUpAfterAsync(LabSandbox lab, TimeSpan after, CancellationToken ct)
    {
        try
        {
            await lab.Timeline.WaitForAsync(e => e.Side == Side.Server && e.Kind == EventKind.RequestReceived, TimeSpan.FromMinutes(10), cancellationToken: ct).ConfigureAwait(false);
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
            if (!UpstreamSaw(lab)) return NotExercised(lab, nginx, "GET " + client.PathFor("items"), last!);
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
            var app = await KestrelServer.StartAsync(lab, x => x.StreamAsync(3 * 1024, 1024, honourAbort: true, gap: gap + margin, chunked: true), cancellationToken: ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = client.PathFor("events");
            var r = await client.SendAsync(new CheckRequest { Path = path, Deadline = 2 * (gap + margin) + TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
            return Judge(lab, nginx, "GET " + path, r, r.Status == 200 && r.Complete, r.Describe());
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
            var app = WebSocketUpstream.Start(lab);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = client.PathFor("ws");
            var (status, closedAfter) = await WebSocketProbe.RunAsync(lab, nginx, client.Host, path, watch, ct).ConfigureAwait(false);
            nginx.Flush();
            var seen = lab.Timeline.Snapshot().FirstOrDefault(e => e.Side == Side.Server && e.Kind == EventKind.RequestReceived);
            if (seen is null) return (ProxyCheckVerdict.NotExercised, $"nginx answered {status?.ToString(CultureInfo.InvariantCulture) ?? "nothing"} itself; the upstream never saw GET {path}: {PathHint}");
            if (seen.Status != 101) return (ProxyCheckVerdict.NotExercised, $"the upstream got GET {path} without Upgrade: the route does not pass websockets (proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\"; proxy_http_version 1.1)");
            if (status != 101) return (ProxyCheckVerdict.Fail, $"the upstream switched protocols but the client got {status?.ToString(CultureInfo.InvariantCulture) ?? "no response"}");
            if (closedAfter is { } t && t < idle + ProxyCheckOptions.Margin(idle))
            {
                return (ProxyCheckVerdict.Fail, $"upgraded (101); nginx closed the idle websocket after {Seconds(t)}, before {Seconds(idle)} and its {Seconds(ProxyCheckOptions.Margin(idle))} margin (its proxy_read_timeout)");
            }
            return (ProxyCheckVerdict.Pass, closedAfter is { } c
                ? $"upgraded (101); still open after {Seconds(idle)} idle; nginx closed it after {Seconds(c)} idle (its proxy_read_timeout)"
                : $"upgraded (101); still open after {Seconds(watch)} idle");
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
            var app = await KestrelServer.StartAsync(
                lab,
                async x =>
                {
                    await x.ReadBodyAsync(honourAbort: true);
                    await x.WriteAsync(256);
                },
                new KestrelOptions { MaxRequestBodySize = null, MinRequestBodyDataRate = null },
                ct).ConfigureAwait(false);
            var (nginx, client) = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var path = client.PathFor("upload");
            var r = await client.SendAsync(new CheckRequest { Method = "POST", Path = path, UploadBytes = size, Deadline = TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
            await WaitAsync(lab, e => e.Kind == EventKind.ProxyAccess, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false); // nginx logs after it answered
            var events = lab.Timeline.Snapshot();
            var upstreamBytes = events.LastOrDefault(e => e.Side == Side.Server && e.Kind == EventKind.Received)?.Bytes;
            var saw = UpstreamSaw(lab);
            var send = r.UploadFailure is { } f
                ? $"the client's send failed after {Bytes(r.Uploaded)} with {SocketFailures.Name(f)}{(r.UploadErrno is { } n ? $" ({SocketFailures.ErrnoName(n)})" : "")}"
                : $"the client sent {Bytes(r.Uploaded)}";
            var upstream = saw ? $"the upstream saw the request and read {Bytes(upstreamBytes ?? 0)} of its body" : "the upstream saw nothing";
            if (!r.UploadObserved) send = r.UploadFailure is { } hf ? $"the client's upload failed with {SocketFailures.Name(hf)}" : "the client (HttpClient over TLS or HTTP/2) does not say how much of the body it sent";
            else if (r.Status == 413 && r.UploadFailure is null) send = $"the client sent all {Bytes(r.Uploaded)}: nginx read and discarded it (its lingering close; a client still sending after lingering_time gets EPIPE/ECONNRESET)";
            if (r.Status == 413) return (ProxyCheckVerdict.Fail, $"HTTP 413 from nginx (client_max_body_size); {send}; {upstream}");
            if (!saw) return NotExercised(lab, nginx, "POST " + path, r);
            return r.Status == 200 && upstreamBytes == size
                ? (ProxyCheckVerdict.Pass, $"{r.Describe()}; {upstream}")
                : (ProxyCheckVerdict.Fail, $"{r.Describe()}; {send}; {upstream}");
        });
    }

    private const string PathHint = "is that path proxied to {{upstream}}? choose one that is with --path (and --host for server_name)";

    private static async Task<ProxyCheckResult> RunAsync(
        string name,
        string description,
        string configPath,
        ProxyCheckOptions options,
        CancellationToken cancellationToken,
        Func<LabSandbox, CancellationToken, Task<(ProxyCheckVerdict Verdict, string Observed)>> body)
    {
        var clock = Stopwatch.StartNew();
        var lab = new LabSandbox($"check-{name}");
        (ProxyCheckVerdict Verdict, string Observed) outcome = (ProxyCheckVerdict.NotExercised, "the check could not run");
        string? error = null;
        try
        {
            outcome = await body(lab, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not NginxConfigException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // Not the config's behaviour: no verdict (an exit code 1 must only ever mean a behaviour was seen to fail).
            error = e.Message;
            outcome = (ProxyCheckVerdict.NotExercised, "the check could not run");
        }
        finally
        {
            // Parts stop first, so the timeline holds their last events too.
            await lab.DisposeAsync().ConfigureAwait(false);
        }
        return new ProxyCheckResult(name, description, outcome.Verdict, outcome.Observed, clock.Elapsed, lab.Timeline.Snapshot()) { Error = error };
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

    /// <summary>The lab's upstream saw a request: the check was exercised.</summary>
    private static bool UpstreamSaw(LabSandbox lab) =>
        lab.Timeline.Snapshot().Any(e => e.Side == Side.Server && e.Kind == EventKind.RequestReceived);

    private static (ProxyCheckVerdict, string) Judge(LabSandbox lab, IProxyPart nginx, string request, CheckResponse r, bool passed, string observed) =>
        !UpstreamSaw(lab) ? NotExercised(lab, nginx, request, r) : (passed ? ProxyCheckVerdict.Pass : ProxyCheckVerdict.Fail, observed);

    private static (ProxyCheckVerdict, string) NotExercised(LabSandbox lab, IProxyPart nginx, string request, CheckResponse r)
    {
        nginx.Flush();
        var answer = r.Status is { } s ? $"nginx answered {s} itself" : $"no response ({r.Failure?.ToString() ?? "nothing"})";
        return (ProxyCheckVerdict.NotExercised, $"{answer}; the upstream never saw {request} (a 404, a redirect, an error page or a cache hit): {PathHint}");
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
