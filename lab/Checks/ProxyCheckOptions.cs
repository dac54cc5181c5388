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

    /// <summary>How many requests the keep-alive check sends, each after an idle longer than <see cref="UpstreamIdleTimeout"/>. The default value is 4 (GETs and POSTs).</summary>
    public int KeepAliveRequests { get; init; } = 4;

    /// <summary>The gap between the chunks of the streaming check (server-sent events, progress streams). The default value is 5 seconds.</summary>
    public TimeSpan StreamGap { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The nginx binary; null finds (or installs) it.</summary>
    public string? NginxPath { get; init; }

    /// <summary>
    /// An nginx image to check the config with (the nginx the team deploys, e.g. <c>nginx:1.27</c> for <c>http2 on;</c>):
    /// nginx then runs on the docker runtime, host network. Null runs the lab's usual nginx.
    /// </summary>
    public string? NginxImage { get; init; }
}
