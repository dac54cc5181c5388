namespace BrokenPipe.Lab.Clients;

/// <summary>How the application configures StackExchange.Redis (the same for every version it runs on).</summary>
public sealed record SeRedisOptions
{
    /// <summary>Appended to the configuration string ("keepAlive=1,syncTimeout=1000"); abortConnect=false is always set.</summary>
    public string Configuration { get; init; } = "";

    /// <summary><c>HeartbeatConsistencyChecks</c> (2.7.23+): a heartbeat command on every connection, every second. Ignored on 1.2.6.</summary>
    public bool HeartbeatConsistencyChecks { get; init; }

    /// <summary><c>BacklogPolicy.FailFast</c> (2.x+): commands fail at once while disconnected instead of waiting. Ignored on 1.2.6.</summary>
    public bool FailFast { get; init; }
}
