using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>The HAProxy settings a scenario may set. Defaults are the lab's template's (HAProxy itself has no default timeouts).</summary>
public sealed record HAProxyOptions
{
    /// <summary>Actor name on the timeline. The default value is "haproxy".</summary>
    public string Name { get; init; } = "haproxy";

    /// <summary><c>timeout server</c>: the longest HAProxy waits for the upstream (its response header, or its next bytes). The default value is 60 seconds.</summary>
    public TimeSpan TimeoutServer { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>timeout client</c>: the longest HAProxy waits for the client (its request, or room to write to it). The default value is 60 seconds.</summary>
    public TimeSpan TimeoutClient { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary><c>timeout connect</c>. The default value is 5 seconds.</summary>
    public TimeSpan TimeoutConnect { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <c>timeout http-keep-alive</c>: how long HAProxy keeps an idle client connection (and, reused, an idle upstream one)
    /// open between two requests. The default value is 60 seconds.
    /// </summary>
    public TimeSpan TimeoutHttpKeepAlive { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// <c>option http-server-close</c>: HAProxy closes its upstream connection after each response, so it never reuses
    /// one. False keeps HAProxy's default (<c>option http-keep-alive</c>: upstream connections are kept and reused,
    /// <c>http-reuse safe</c>). The default value is false.
    /// </summary>
    public bool ServerClose { get; init; }

    /// <summary><c>option abortonclose</c>: a client that leaves while its request waits aborts it upstream. The default value is false.</summary>
    public bool AbortOnClose { get; init; }

    /// <summary>
    /// <c>http-reuse</c> of the backend: <c>safe</c> (HAProxy's default: a connection is reused for a request that is not
    /// the first of its client connection), <c>always</c>, <c>aggressive</c> or <c>never</c>. The default value is "safe".
    /// </summary>
    public string HttpReuse { get; init; } = "safe";

    /// <summary>A config template of the user's own (haproxy.cfg with <c>{{listen}}</c> and <c>{{upstream}}</c>); null uses the lab's template. The default value is null.</summary>
    public string? ConfigTemplatePath { get; init; }

    /// <summary>The haproxy binary; null finds it (PATH, then /usr/sbin/haproxy), installing Debian's haproxy if allowed. The default value is null.</summary>
    public string? BinaryPath { get; init; }

    /// <summary>Where HAProxy runs; null means the lab's <see cref="LabSettings.Runtime"/>. The default value is null.</summary>
    public IServerRuntime? Runtime { get; init; }

    /// <summary>The image on a container runtime; null means the lab's <see cref="LabSettings.Images"/> (<c>haproxy</c>), else <c>haproxy:2.6</c>. The default value is null.</summary>
    public string? Image { get; init; }
}
