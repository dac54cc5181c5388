namespace BrokenPipe.Lab;

/// <summary>The StackExchange.Redis versions the lab observes, each in an observer process of its own.</summary>
public enum SeRedisVersion
{
    /// <summary>1.2.6 (2017): commands fail at once while disconnected; keep-alive derived from the server's timeout.</summary>
    V1_2_6,

    /// <summary>2.8.16: the version most running services use; backlog, 60 s keep-alive, ILogger.</summary>
    V2_8_16,

    /// <summary>3.4.35: what a team adding the library today gets (the lab's default); its I/O runs on the thread pool.</summary>
    V3_4_35,
}
