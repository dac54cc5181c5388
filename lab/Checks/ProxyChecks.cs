using System.Diagnostics;
using System.Net;
using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Checks;

/// <summary>
/// Regression checks for a team's own nginx config (a template with <c>{{listen}}</c> and <c>{{upstream}}</c>): each
/// check starts the config in front of a lab upstream and drives one client behaviour that production will too.
/// Every check runs in its own lab, so they run side by side.
/// </summary>
public static class ProxyChecks
{
    public const string LongResponseName = "long-response";
    public const string SlowClientName = "slow-client";
    public const string ClientAbortName = "client-abort";
    public const string KeepAliveReuseName = "keepalive-reuse";
    public const string StreamingGapsName = "streaming-gaps";

    /// <summary>Runs every check, side by side.</summary>
    public static async Task<IReadOnlyList<ProxyCheckResult>> RunAllAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        return await Task.WhenAll(
            LongResponseAsync(configPath, options, cancellationToken),
            SlowClientAsync(configPath, options, cancellationToken),
            ClientAbortAsync(configPath, options, cancellationToken),
            KeepAliveReuseAsync(configPath, options, cancellationToken),
            StreamingGapsAsync(configPath, options, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>A response that takes <see cref="ProxyCheckOptions.LongResponse"/> before its first byte gets through complete.</summary>
    public static Task<ProxyCheckResult> LongResponseAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        var wait = options.LongResponse;
        return RunAsync(LongResponseName, $"a response that takes {Seconds(wait)} gets through", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var app = await KestrelServer.StartAsync(lab, async x =>
            {
                await x.DelayAsync(wait);
                await x.WriteAsync(1024 * 1024);
            }, cancellationToken: ct).ConfigureAwait(false);
            var nginx = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var r = await RawHttpClient.RunAsync(lab, nginx.Endpoint, new RawHttpOptions { Path = "/export", Deadline = wait + TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
            return (r.Status == 200 && r.Complete, Describe(r));
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
            var app = await KestrelServer.StartAsync(lab, x => x.WriteAsync(size), cancellationToken: ct).ConfigureAwait(false);
            var nginx = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var r = await RawHttpClient.RunAsync(
                lab,
                nginx.Endpoint,
                new RawHttpOptions { Path = "/download", Read = ReadMode.Slow, SlowBytesPerSecond = rate, ReceiveBuffer = 16 * 1024, Deadline = TimeSpan.FromSeconds(size / rate * 3 + 30) },
                ct).ConfigureAwait(false);
            return (r.Status == 200 && r.Complete, Describe(r));
        });
    }

    /// <summary>A client that gives up after 1 s is logged as 499, and the upstream hears about it (RequestAborted).</summary>
    public static Task<ProxyCheckResult> ClientAbortAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        return RunAsync(ClientAbortName, "a client abort reaches the upstream (499, upstream aborted)", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var app = await KestrelServer.StartAsync(lab, x => x.DelayAsync(TimeSpan.FromSeconds(3), honourAbort: true), cancellationToken: ct).ConfigureAwait(false);
            var nginx = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            await RawHttpClient.RunAsync(lab, nginx.Endpoint, new RawHttpOptions { Path = "/report", CloseWhen = Trigger.After(TimeSpan.FromSeconds(1)) }, ct).ConfigureAwait(false);
            var aborted = await WaitAsync(lab, e => e.Kind == EventKind.RequestAborted, TimeSpan.FromSeconds(4), ct).ConfigureAwait(false);
            var access = await WaitAsync(lab, e => e.Kind == EventKind.ProxyAccess, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            var observed = $"access-log status {access?.Status.ToString() ?? "none"}; upstream {(aborted is null ? "not aborted: it worked on for nobody" : "aborted")}";
            return (aborted is not null && access?.Status == 499, observed);
        });
    }

    /// <summary>
    /// Requests spaced longer than the upstream's idle timeout, against an upstream whose idle close crosses the next
    /// request (the keep-alive race made certain): no client gets a 502 and nginx retries nothing.
    /// </summary>
    public static Task<ProxyCheckResult> KeepAliveReuseAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        var idle = options.UpstreamIdleTimeout;
        var spacing = idle + TimeSpan.FromMilliseconds(500);
        return RunAsync(KeepAliveReuseName, $"{options.KeepAliveRequests} requests {Seconds(spacing)} apart, upstream idle timeout {Seconds(idle)}: no 502", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var app = await RawTcpServer.StartAsync(
                lab,
                new RawTcpServerOptions { Name = "upstream", KeepAlive = true, IdleTimeout = idle, CloseIdleOnNextRequest = true, ResponseBytes = 256 },
                ct).ConfigureAwait(false);
            var nginx = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var statuses = new List<string>();
            for (var i = 0; i < options.KeepAliveRequests; i++)
            {
                if (i > 0) await Task.Delay(spacing, ct).ConfigureAwait(false); // the idle time is what is being checked
                var post = i % 2 == 1;
                var r = await RawHttpClient.RunAsync(
                    lab,
                    nginx.Endpoint,
                    new RawHttpOptions { Name = $"client#{i + 1}", Method = post ? "POST" : "GET", Path = post ? "/orders" : "/items", UploadBytes = post ? 64 : 0, Deadline = TimeSpan.FromSeconds(10) },
                    ct).ConfigureAwait(false);
                statuses.Add($"{(post ? "POST" : "GET")} {r.Status?.ToString() ?? "no response"}");
            }
            nginx.Flush();
            var dropped = lab.Timeline.Snapshot().Count(e => e.Kind == EventKind.RequestDropped);
            var passed = statuses.All(s => s.EndsWith(" 200", StringComparison.Ordinal)) && dropped == 0;
            return (passed, $"{string.Join(", ", statuses)}; {dropped} request(s) sent on a connection the upstream was closing");
        });
    }

    /// <summary>A streaming response with <see cref="ProxyCheckOptions.StreamGap"/> between its chunks arrives whole.</summary>
    public static Task<ProxyCheckResult> StreamingGapsAsync(string configPath, ProxyCheckOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ProxyCheckOptions();
        var gap = options.StreamGap;
        return RunAsync(StreamingGapsName, $"a streaming response with {Seconds(gap)} gaps arrives whole", configPath, options, cancellationToken, async (lab, ct) =>
        {
            var app = await KestrelServer.StartAsync(lab, x => x.StreamAsync(3 * 1024, 1024, gap: gap, chunked: true), cancellationToken: ct).ConfigureAwait(false);
            var nginx = await ProxyAsync(lab, app.Endpoint, configPath, options, ct).ConfigureAwait(false);
            var r = await RawHttpClient.RunAsync(lab, nginx.Endpoint, new RawHttpOptions { Path = "/events", Deadline = 2 * gap + TimeSpan.FromSeconds(60) }, ct).ConfigureAwait(false);
            return (r.Status == 200 && r.Complete, Describe(r));
        });
    }

    private static async Task<ProxyCheckResult> RunAsync(
        string name,
        string description,
        string configPath,
        ProxyCheckOptions options,
        CancellationToken cancellationToken,
        Func<LabSandbox, CancellationToken, Task<(bool Passed, string Observed)>> body)
    {
        var clock = Stopwatch.StartNew();
        var lab = new LabSandbox($"check-{name}");
        (bool Passed, string Observed) outcome = (false, "the check could not run");
        string? error = null;
        try
        {
            outcome = await body(lab, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not NginxConfigException && (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            error = e.Message;
        }
        finally
        {
            // Parts stop first, so the timeline holds their last events too.
            await lab.DisposeAsync().ConfigureAwait(false);
        }
        return new ProxyCheckResult(name, description, outcome.Passed, outcome.Observed, clock.Elapsed, lab.Timeline.Snapshot()) { Error = error };
    }

    private static Task<NginxProxy> ProxyAsync(LabSandbox lab, IPEndPoint upstream, string configPath, ProxyCheckOptions options, CancellationToken ct) =>
        NginxProxy.StartAsync(lab, upstream, new NginxOptions { ConfigTemplatePath = configPath, BinaryPath = options.NginxPath, Image = options.NginxImage, Runtime = options.NginxImage is null ? null : Runtimes.DockerRuntime.HostNetwork }, ct);

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

    private static string Describe(RawHttpResult r) =>
        r.Status is null
            ? $"no response ({r.Failure?.ToString() ?? "nothing"})"
            : $"HTTP {r.Status}, {r.BodyBytes} body bytes{(r.ContentLength is { } cl ? $" of {cl}" : "")}{(r.Complete ? ", complete" : r.Truncated ? ", truncated" : ", incomplete")}";

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.#} s";
}
