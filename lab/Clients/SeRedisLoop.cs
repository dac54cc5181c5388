namespace BrokenPipe.Lab.Clients;

/// <summary>
/// A command loop for <see cref="RedisClient.StartLoop"/>: <see cref="Workers"/> loops in the observer, each running
/// <see cref="Command"/> up to <see cref="Count"/> times, one every <see cref="Every"/>.
/// </summary>
/// <remarks>
/// With <see cref="Retries"/> (async calls only), a command that fails with a connection or timeout error is retried
/// with exponential backoff (250 ms doubling to 2 s), as a Polly pipeline would; its outcome is recorded once.
/// </remarks>
public sealed record SeRedisLoop(string Command, IReadOnlyList<string>? Args, SeRedisCallMode Mode, TimeSpan Every, int Count)
{
    /// <summary>How many loops run side by side (1 by default).</summary>
    public int Workers { get; init; } = 1;

    /// <summary>How many times a failed async command is retried (0 by default).</summary>
    public int Retries { get; init; }
}
