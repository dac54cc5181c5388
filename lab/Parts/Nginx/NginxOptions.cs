using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>The proxy settings a scenario may set. Defaults are nginx's own.</summary>
public sealed record NginxOptions
{
    /// <summary>Actor name on the timeline. The default value is "nginx".</summary>
    public string Name { get; init; } = "nginx";

    /// <summary>proxy_read_timeout: the longest gap between two reads from the upstream. The default value is 60 seconds (nginx's and Kong's).</summary>
    public TimeSpan ProxyReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>proxy_send_timeout. The default value is 60 seconds.</summary>
    public TimeSpan ProxySendTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>proxy_connect_timeout. The default value is 60 seconds.</summary>
    public TimeSpan ProxyConnectTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>proxy_ignore_client_abort. The default value is false.</summary>
    public bool IgnoreClientAbort { get; init; }

    /// <summary>proxy_buffering. The default value is true.</summary>
    public bool Buffering { get; init; } = true;

    /// <summary>
    /// Idle keep-alive connections nginx keeps to the upstream (the upstream block's <c>keepalive</c>); 0 turns upstream
    /// keep-alive off. Above 0 the part also sets proxy_http_version 1.1 and an empty Connection header. The default value is 0.
    /// </summary>
    public int UpstreamKeepalive { get; init; }

    /// <summary>The upstream block's keepalive_timeout: how long an idle upstream connection is kept. The default value is 60 seconds.</summary>
    public TimeSpan UpstreamKeepaliveTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>keepalive_timeout towards clients. The default value is 75 seconds.</summary>
    public TimeSpan ClientKeepaliveTimeout { get; init; } = TimeSpan.FromSeconds(75);

    /// <summary>
    /// A config template of the user's own (see nginx/README.md): it must contain <c>{{listen}}</c> and
    /// <c>{{upstream}}</c>; the timeouts are then the config's, not these options'. Null uses the lab's template.
    /// </summary>
    public string? ConfigTemplatePath { get; init; }

    /// <summary>With a user's config: the TLS certificate (PEM) that replaces its <c>ssl_certificate</c>; null generates a throwaway one in the run dir. The default value is null.</summary>
    public string? TlsCertificatePath { get; init; }

    /// <summary>The key of <see cref="TlsCertificatePath"/> (PEM). The default value is null.</summary>
    public string? TlsKeyPath { get; init; }

    /// <summary>The name the throwaway certificate is issued for (besides localhost and 127.0.0.1). The default value is "localhost".</summary>
    public string TlsHost { get; init; } = "localhost";

    /// <summary>The nginx binary; null finds it (PATH, then /usr/sbin/nginx), installing nginx-light if allowed.</summary>
    public string? BinaryPath { get; init; }

    /// <summary>Where nginx runs; null means the lab's <see cref="LabSettings.Runtime"/> (local processes unless the run chose docker). The default value is null.</summary>
    public IServerRuntime? Runtime { get; init; }

    /// <summary>The image on a container runtime (e.g. <c>nginx:1.27</c> or a team's own); null means the lab's <see cref="LabSettings.Images"/> (<c>nginx</c>), else <c>nginx:1.27</c>. The default value is null.</summary>
    public string? Image { get; init; }

    /// <summary>
    /// Checks the options once, when nginx starts (<see cref="OptionRules"/>). Paths are left to the steps that use them,
    /// whose errors say more (a missing binary is a <see cref="Runtimes.RuntimeMissingException"/> with the install command);
    /// a config template's text is nginx's to judge (<c>nginx -t</c>).
    /// </summary>
    internal void Validate() => new OptionRules(nameof(NginxOptions))
        .NotBlank(Name).Positive(ProxyReadTimeout).Positive(ProxySendTimeout).Positive(ProxyConnectTimeout).AtLeast(UpstreamKeepalive, 0)
        .Positive(UpstreamKeepaliveTimeout).NotNegative(ClientKeepaliveTimeout)
        .That((TlsCertificatePath is null) == (TlsKeyPath is null), "TlsCertificatePath and TlsKeyPath go together: give both or neither")
        .ThrowIfAny();
}
