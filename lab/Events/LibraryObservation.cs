namespace BrokenPipe.Lab.Events;

/// <summary>
/// What a client library reported, field by field (its events, commands and log lines), so that
/// checks match on these fields and never on the event's text.
/// </summary>
public sealed record LibraryObservation
{
    /// <summary>The library's version ("3.4.35").</summary>
    public required string Version { get; init; }

    /// <summary>The client's name (<see cref="RedisClientKind.Name"/>: "se-redis@3.4.35", "redis-py", "ioredis", "node-redis").</summary>
    public string? Client { get; init; }

    /// <summary>The connection an event is about: "Interactive" or "Subscription".</summary>
    public string? ConnectionType { get; init; }

    /// <summary>The library's ConnectionFailureType name ("SocketClosed", "SocketFailure", "UnableToConnect").</summary>
    public string? FailureType { get; init; }

    /// <summary>The outermost exception's type name ("RedisTimeoutException"), null when none.</summary>
    public string? ExceptionType { get; init; }

    /// <summary>The exception's message, or the log line's text.</summary>
    public string? Message { get; init; }

    /// <summary>The command ("INCR"), for a command's outcome.</summary>
    public string? Command { get; init; }

    /// <summary>How the application called it, for a command's outcome.</summary>
    public string? Mode { get; init; }

    /// <summary>How long the command took, as the application measured it.</summary>
    public TimeSpan? Latency { get; init; }

    /// <summary>How many attempts a command took (more than 1 when the application retried it).</summary>
    public int? Attempts { get; init; }

    /// <summary>The multiplexer's IsConnected when the library reported this.</summary>
    public bool? IsConnected { get; init; }

    /// <summary>The level of a log line ("Warning"), for the library's own ILogger lines (2.x and later).</summary>
    public string? LogLevel { get; init; }
}
