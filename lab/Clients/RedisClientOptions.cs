using System.Text.Json.Nodes;

namespace BrokenPipe.Lab.Clients;

/// <summary>How the application configures each Redis client it runs (see <see cref="RedisClientKind"/>).</summary>
public sealed record RedisClientOptions
{
    /// <summary>StackExchange.Redis's configuration (every version). The default value is the library's defaults.</summary>
    public SeRedisOptions SeRedis { get; init; } = new();

    /// <summary>
    /// The other libraries' own options by client name ("redis-py": keyword arguments such as
    /// <c>{"single_connection_client": true}</c>; "ioredis", "node-redis": the options object), passed to the library as
    /// they are. A client not named here runs on its library's defaults. The default value is empty.
    /// </summary>
    public IReadOnlyDictionary<string, JsonObject> Library { get; init; } = new Dictionary<string, JsonObject>();

    /// <summary>The options for <paramref name="kind"/>, or null for its defaults.</summary>
    public JsonObject? For(RedisClientKind kind) => Library.GetValueOrDefault(kind.Name);
}
