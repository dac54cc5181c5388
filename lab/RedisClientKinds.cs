namespace BrokenPipe.Lab;

/// <summary>The Redis clients the lab runs (<see cref="All"/>), and parsing of their names ("redis-py,ioredis", "all").</summary>
public static class RedisClientKinds
{
    public static RedisClientKind SeRedis126 { get; } = new("se-redis@1.2.6", "StackExchange.Redis 1.2.6", RedisClientLanguage.Dotnet, SeRedisVersion.V1_2_6);

    public static RedisClientKind SeRedis2816 { get; } = new("se-redis@2.8.16", "StackExchange.Redis 2.8.16", RedisClientLanguage.Dotnet, SeRedisVersion.V2_8_16);

    public static RedisClientKind SeRedis3435 { get; } = new("se-redis@3.4.35", "StackExchange.Redis 3.4.35", RedisClientLanguage.Dotnet, SeRedisVersion.V3_4_35);

    /// <summary>redis-py 4.3.4, Debian 12's python3-redis, run by /usr/bin/python3.</summary>
    public static RedisClientKind RedisPy { get; } = new("redis-py", "redis-py 4.3.4", RedisClientLanguage.Python);

    /// <summary>ioredis 6.1.0 from npm (observers/ioredis/package-lock.json).</summary>
    public static RedisClientKind IoRedis { get; } = new("ioredis", "ioredis 6.1.0", RedisClientLanguage.Node);

    /// <summary>node-redis (the npm package redis) 6.4.0 (observers/node-redis/package-lock.json).</summary>
    public static RedisClientKind NodeRedis { get; } = new("node-redis", "node-redis 6.4.0", RedisClientLanguage.Node);

    /// <summary>Every client, in table order: the StackExchange.Redis versions oldest first, then redis-py, ioredis, node-redis.</summary>
    public static IReadOnlyList<RedisClientKind> All { get; } = [SeRedis126, SeRedis2816, SeRedis3435, RedisPy, IoRedis, NodeRedis];

    /// <summary>The default: the current StackExchange.Redis and the seed's three other clients.</summary>
    public static IReadOnlyList<RedisClientKind> Default { get; } = [SeRedis3435, RedisPy, IoRedis, NodeRedis];

    /// <summary>The client of a StackExchange.Redis version.</summary>
    public static RedisClientKind Of(SeRedisVersion version) => All.First(k => k.SeRedis == version);

    /// <summary>The client named <paramref name="name"/>, or null.</summary>
    public static RedisClientKind? Named(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>Every name, for a message that lists them.</summary>
    public static string Names => string.Join(", ", All.Select(k => k.Name));

    /// <summary>Parses a comma-separated list of names or "all", in table order; null when a name is unknown.</summary>
    public static IReadOnlyList<RedisClientKind>? Parse(string text)
    {
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase)) return All;
        var kinds = new List<RedisClientKind>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Named(part) is not { } kind) return null;
            if (!kinds.Contains(kind)) kinds.Add(kind);
        }
        return kinds.Count == 0 ? null : [.. All.Where(kinds.Contains)];
    }
}
