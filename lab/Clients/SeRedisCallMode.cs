namespace BrokenPipe.Lab.Clients;

/// <summary>How the application in the observer calls the library.</summary>
public enum SeRedisCallMode
{
    /// <summary>Awaited async calls (<c>StringSetAsync</c>).</summary>
    Async,

    /// <summary>Sync calls on a thread of the application's own (<c>StringSet</c>), blocking only that thread.</summary>
    Sync,

    /// <summary>Sync calls inside <c>Task.Run</c>: each blocks a thread-pool thread while it waits.</summary>
    SyncOnPool,
}
