namespace BrokenPipe.Lab;

/// <summary>
/// One Redis client library the lab can run as an application would, in an observer process of its own
/// (observers/&lt;folder&gt;/): its name on the CLI and the timeline, its library, and the language it runs in.
/// Every client is one entry of <see cref="RedisClientKinds.All"/>; nothing else names them.
/// </summary>
/// <param name="Name">The name on the CLI, the timeline and in tables ("se-redis@3.4.35", "redis-py", "ioredis", "node-redis").</param>
/// <param name="Library">The library and its pinned version, as a person names it ("redis-py 4.3.4").</param>
/// <param name="Language">What runs the observer: dotnet, python or node.</param>
/// <param name="SeRedis">The StackExchange.Redis version, for those clients; null for the others.</param>
public sealed record RedisClientKind(string Name, string Library, RedisClientLanguage Language, SeRedisVersion? SeRedis = null)
{
    /// <summary>The observer's folder under observers/ ("redis-py"); the .NET observers are built per version instead.</summary>
    public string Folder => Name;

    /// <summary>The family a per-client expectation may name instead of one client: "se-redis" for every StackExchange.Redis version, else <see cref="Name"/>.</summary>
    public string Family => SeRedis is null ? Name : "se-redis";

    /// <summary>Whether <paramref name="key"/> names this client: its <see cref="Name"/> or its <see cref="Family"/>.</summary>
    public bool Is(string key) => key == Name || key == Family;

    public override string ToString() => Name;
}
