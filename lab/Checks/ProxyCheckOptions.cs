using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Checks;

/// <summary>The knobs of <see cref="ProxyChecks"/>; each default is what a typical API behind an ingress must survive.</summary>
public sealed record ProxyCheckOptions
{
    /// <summary>The slow response that must get through (an export, a report). The default value is 90 seconds.</summary>
    public TimeSpan LongResponse { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>The slow client's read rate, in bytes per second, for a 2 MB response. The default value is 256 KB/s (≈8 s).</summary>
    public double SlowClientBytesPerSecond { get; init; } = 256 * 1024;

    /// <summary>The upstream's idle timeout for the keep-alive check (Node's default is 5 s, Kestrel's 130 s). The default value is 2 seconds.</summary>
    public TimeSpan UpstreamIdleTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The most requests the keep-alive check's upstream serves on one connection (like keepalive_requests); null: no limit. The default value is null.</summary>
    public int? UpstreamMaxRequests { get; init; }

    /// <summary>How many requests the keep-alive check sends, each after an idle longer than <see cref="UpstreamIdleTimeout"/>. The default value is 4 (GETs and POSTs).</summary>
    public int KeepAliveRequests { get; init; } = 4;

    /// <summary>The gap between the chunks of the streaming check (server-sent events, progress streams). The default value is 5 seconds.</summary>
    public TimeSpan StreamGap { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a websocket must stay open while idle (the longest your clients go without a ping). The default value is 30 seconds.</summary>
    public TimeSpan WebSocketIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The upload the large-upload check sends (Content-Length). The default value is 1 MiB (nginx's default client_max_body_size).</summary>
    public long UploadBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// The path prefix the checks request under (each check appends its own name: <c>/api/</c> gives <c>/api/export</c>, …):
    /// choose a location your config proxies. The default value is "/".
    /// </summary>
    public string Path { get; init; } = "/";

    /// <summary>The Host header (and TLS server name) the checks send, for configs that route on server_name; null sends "localhost". The default value is null.</summary>
    public string? Host { get; init; }

    /// <summary>The checks to run (by name); null runs them all. The default value is null.</summary>
    public IReadOnlySet<string>? Only { get; init; }

    /// <summary>The nginx binary; null finds (or installs) it.</summary>
    public string? NginxPath { get; init; }

    /// <summary>A TLS certificate (PEM) to use instead of the lab's throwaway one; needs <see cref="TlsKeyPath"/>. The default value is null.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>The key of <see cref="TlsCertificatePath"/> (PEM). The default value is null.</summary>
    public string? TlsKeyPath { get; init; }

    /// <summary>
    /// The margin added to a timed wait that meets a timeout of the config (the long response's wait, the stream's gaps): a
    /// read timeout exactly equal to the wait is a race, so the check waits a little longer and counts it as too short.
    /// 5 % of the wait, at least 0.5 s and at most 5 s.
    /// </summary>
    public static TimeSpan Margin(TimeSpan wait) =>
        TimeSpan.FromMilliseconds(Math.Clamp(wait.TotalMilliseconds * 0.05, 500, 5000));
    /// <summary>
    /// An nginx image to check the config with (the nginx the team deploys, e.g. <c>nginx:1.27</c> for <c>http2 on;</c>):
    /// nginx then runs on the docker runtime, host network. Null runs the lab's usual nginx.
    /// </summary>
    public string? NginxImage { get; init; }

    /// <summary>The nginx these options describe, with <paramref name="config"/> as its template (the checks' and the CLI's validation).</summary>
    internal NginxOptions NginxOptionsFor(string config) => new()
    {
        ConfigTemplatePath = config,
        BinaryPath = NginxPath,
        TlsCertificatePath = TlsCertificatePath,
        TlsKeyPath = TlsKeyPath,
        TlsHost = Host ?? "localhost",
        Image = NginxImage,
        Runtime = NginxImage is null ? null : DockerRuntime.HostNetwork,
    };

    /// <summary>Checks the options once, before the checks start (<see cref="OptionRules"/>).</summary>
    internal void Validate() => new OptionRules(nameof(ProxyCheckOptions))
        .Positive(LongResponse).Positive(SlowClientBytesPerSecond).Positive(UpstreamIdleTimeout).AtLeast(UpstreamMaxRequests ?? 1, 1)
        .AtLeast(KeepAliveRequests, 2).Positive(StreamGap).Positive(WebSocketIdle).AtLeast(UploadBytes, 1).NotBlank(Path)
        .That(Path.StartsWith('/'), $"Path must start with / (was \"{Path}\")")
        .ThrowIfAny();
}
