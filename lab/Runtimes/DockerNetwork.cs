namespace BrokenPipe.Lab.Runtimes;

/// <summary>How a container's server is reached.</summary>
public enum DockerNetwork
{
    /// <summary>The host's network stack (<c>--network host</c>): every errno and log line is the same as a local process's.</summary>
    Host,

    /// <summary>
    /// A port published on 127.0.0.1 (<c>-p 127.0.0.1:PORT:PORT</c>, what docker compose does): clients reach the server
    /// through the engine's proxy (docker-proxy), which changes what they see. Needs a bridge outside the private ranges.
    /// </summary>
    Published,
}
