namespace BrokenPipe.Lab;

/// <summary>What runs a Redis client's observer process.</summary>
public enum RedisClientLanguage
{
    /// <summary>A .NET observer (StackExchange.Redis), run by the lab's own dotnet host.</summary>
    Dotnet,

    /// <summary>A Python observer, run by Debian's /usr/bin/python3 (it has python3-redis).</summary>
    Python,

    /// <summary>A Node observer, run by node from the lab's cache, where its pinned packages are installed on first use.</summary>
    Node,
}
