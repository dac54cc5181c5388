using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Redis;

/// <summary>The redis-server settings a scenario may set. Defaults are Redis's own, except persistence (off).</summary>
public sealed record RedisOptions
{
    /// <summary>Actor name on the timeline. The default value is "redis".</summary>
    public string Name { get; init; } = "redis";

    /// <summary><c>timeout</c>: close a client idle this long; zero turns it off. The default value is zero.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.Zero;

    /// <summary><c>tcp-keepalive</c> in seconds. The default value is 300.</summary>
    public int TcpKeepAliveSeconds { get; init; } = 300;

    /// <summary><c>client-output-buffer-limit normal …</c>, e.g. "1mb 0 0"; null keeps Redis's default ("0 0 0").</summary>
    public string? OutputBufferLimitNormal { get; init; }

    /// <summary><c>client-output-buffer-limit pubsub …</c>, e.g. "1mb 256kb 2"; null keeps Redis's default ("32mb 8mb 60").</summary>
    public string? OutputBufferLimitPubsub { get; init; }

    /// <summary><c>client-output-buffer-limit replica …</c>; null keeps Redis's default ("256mb 64mb 60").</summary>
    public string? OutputBufferLimitReplica { get; init; }

    /// <summary><c>maxmemory</c>, e.g. "64mb"; null means no limit.</summary>
    public string? MaxMemory { get; init; }

    /// <summary>
    /// A memory limit for the redis-server process, in bytes, set by the kernel (a memory cgroup, on the local runtime;
    /// see <see cref="RedisServer.MemoryLimitUnavailable"/>): past it the kernel's OOM killer kills Redis. Null means no
    /// limit. The default value is null.
    /// </summary>
    public long? MemoryLimit { get; init; }

    /// <summary><c>maxmemory-policy</c>, e.g. "allkeys-lru"; null keeps "noeviction".</summary>
    public string? MaxMemoryPolicy { get; init; }

    /// <summary>The redis-server binary; null finds it (PATH, /usr/bin), installing redis-server if allowed.</summary>
    public string? BinaryPath { get; init; }

    /// <summary>Where redis-server runs; null means the lab's <see cref="LabSettings.Runtime"/> (local processes unless the run chose docker). The default value is null.</summary>
    public IServerRuntime? Runtime { get; init; }

    /// <summary>The image on a container runtime (e.g. <c>redis:7.4</c>); null means the lab's <see cref="LabSettings.Images"/> (<c>redis</c>), else <c>redis:7.4</c>. The default value is null.</summary>
    public string? Image { get; init; }

    /// <summary>Checks the options once, when redis-server starts (<see cref="OptionRules"/>); the config lines themselves are Redis's to judge.</summary>
    internal void Validate() => new OptionRules(nameof(RedisOptions))
        .NotBlank(Name).NotNegative(IdleTimeout).AtLeast(TcpKeepAliveSeconds, 0)
        .That(IdleTimeout.Ticks % TimeSpan.TicksPerSecond == 0, $"IdleTimeout must be whole seconds: Redis's timeout counts seconds (was {IdleTimeout})")
        .ThrowIfAny();
}
