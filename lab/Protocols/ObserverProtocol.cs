using System.Text.Json;
using System.Text.Json.Serialization;

namespace BrokenPipe.Lab.Protocols;

// The line protocol between the lab and a client observer (a process that uses one Redis client library as an
// application would). One JSON object per line: requests on the observer's stdin, messages on its stdout. This file is
// compiled into the lab and into every .NET observer (linked source), so both sides read and write the same records;
// an observer in another language writes the same camelCase keys (docs/architecture.md lists them).

/// <summary>What the lab asks an observer to do.</summary>
internal enum ObserverOp
{
    /// <summary>Connect to <see cref="ObserverRequest.Config"/>; answered by <see cref="ObserverEvent.Done"/> with the client's settings.</summary>
    Connect,

    /// <summary>Run <see cref="ObserverRequest.Command"/> once.</summary>
    Command,

    /// <summary>Run <see cref="ObserverRequest.Command"/> <see cref="ObserverRequest.Count"/> times, one every <see cref="ObserverRequest.EveryMs"/>, on <see cref="ObserverRequest.Workers"/> loops.</summary>
    Loop,

    /// <summary>Stop the loop <see cref="ObserverRequest.Id"/>.</summary>
    Stop,

    /// <summary>Subscribe to <see cref="ObserverRequest.Channel"/> with a handler that works <see cref="ObserverRequest.HandlerMs"/> per message.</summary>
    Subscribe,

    /// <summary>One PING on each of the client's connections, not counted as a command.</summary>
    Touch,

    /// <summary>How many messages the subscriber received: answered by <see cref="ObserverEvent.Count"/>.</summary>
    Count,

    /// <summary>Close the client.</summary>
    Close,
}

/// <summary>How the application in the observer calls the library.</summary>
internal enum ObserverCallMode
{
    /// <summary>Awaited async calls.</summary>
    Async,

    /// <summary>Sync calls on a thread of the application's own.</summary>
    Sync,

    /// <summary>Sync calls handed to the thread pool, each blocking a pool thread while it waits.</summary>
    Pool,
}

/// <summary>What an observer reports.</summary>
internal enum ObserverEvent
{
    /// <summary>The observer runs (<see cref="ObserverMessage.Version"/>: the library's version).</summary>
    Ready,

    /// <summary>The request <see cref="ObserverMessage.Id"/> is done.</summary>
    Done,

    /// <summary>The subscriber's message count (<see cref="ObserverMessage.N"/>).</summary>
    Count,

    /// <summary>The library says a connection failed.</summary>
    Failed,

    /// <summary>The library says a connection is back.</summary>
    Restored,

    /// <summary>An error message from the server, as the library passed it on.</summary>
    Error,

    /// <summary>An error inside the library.</summary>
    Internal,

    /// <summary>A line of the library's own log.</summary>
    Log,

    /// <summary>One command's outcome.</summary>
    Command,

    /// <summary>The observer itself could not do what it was asked.</summary>
    Fatal,
}

/// <summary>A request from the lab to an observer. Only the fields its <see cref="Op"/> uses are set.</summary>
internal sealed record ObserverRequest(ObserverOp Op, int Id)
{
    /// <summary>Connect: the library's connection string.</summary>
    public string? Config { get; init; }

    /// <summary>Connect: StackExchange.Redis 2.x/3.x HeartbeatConsistencyChecks.</summary>
    public bool HeartbeatConsistencyChecks { get; init; }

    /// <summary>Connect: StackExchange.Redis 2.x/3.x BacklogPolicy.FailFast.</summary>
    public bool FailFast { get; init; }

    /// <summary>Command, Loop: the command (PING, INCR, SET, GET, PUBLISH).</summary>
    public string? Command { get; init; }

    /// <summary>Command, Loop: its arguments.</summary>
    public IReadOnlyList<string>? Args { get; init; }

    /// <summary>Command, Loop: how the application calls.</summary>
    public ObserverCallMode Mode { get; init; }

    /// <summary>Loop: how many times a failed async command is retried.</summary>
    public int Retries { get; init; }

    /// <summary>Loop: the time between two commands of one worker.</summary>
    public double EveryMs { get; init; }

    /// <summary>Loop: how many commands each worker runs.</summary>
    public int Count { get; init; } = 1;

    /// <summary>Loop: how many workers run side by side.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Subscribe: the channel.</summary>
    public string? Channel { get; init; }

    /// <summary>Subscribe: the handler's work per message.</summary>
    public int HandlerMs { get; init; }

    /// <summary>Subscribe: messages in order through one queue (StackExchange.Redis 2.x/3.x).</summary>
    public bool Queue { get; init; }
}

/// <summary>One exception of a chain an observer reports, outermost first.</summary>
/// <param name="Type">The exception's type name.</param>
/// <param name="Message">Its message, verbatim.</param>
/// <param name="FailureType">The library's own failure kind, where it has one (StackExchange.Redis's ConnectionFailureType).</param>
/// <param name="Errno">The socket error number, where the exception carries one.</param>
internal sealed record ObserverException(string Type, string Message, string? FailureType = null, int? Errno = null);

/// <summary>A message from an observer. Only the fields its <see cref="Event"/> uses are set.</summary>
internal sealed record ObserverMessage(ObserverEvent Event)
{
    /// <summary>The request this answers (Done, Count, Command).</summary>
    public int Id { get; init; }

    /// <summary>Ready: the library's version.</summary>
    public string? Version { get; init; }

    /// <summary>The client's own "connected" flag when it reported, if it has one.</summary>
    public bool? Connected { get; init; }

    /// <summary>Failed, Restored: which connection (StackExchange.Redis: Interactive or Subscription).</summary>
    public string? ConnectionType { get; init; }

    /// <summary>Failed, Restored: the library's failure kind.</summary>
    public string? FailureType { get; init; }

    /// <summary>The exception chain, outermost first (empty when none).</summary>
    public IReadOnlyList<ObserverException>? Exceptions { get; init; }

    /// <summary>Error, Internal, Log, Fatal, Done of a touch: the text.</summary>
    public string? Message { get; init; }

    /// <summary>Log: the level.</summary>
    public string? Level { get; init; }

    /// <summary>Command: its number in this observer; Count: the messages received.</summary>
    public long N { get; init; }

    /// <summary>Command: the command.</summary>
    public string? Command { get; init; }

    /// <summary>Command: how it was called.</summary>
    public ObserverCallMode Mode { get; init; }

    /// <summary>Command, Done of a touch: whether it succeeded.</summary>
    public bool Ok { get; init; }

    /// <summary>Command: its latency.</summary>
    public double Ms { get; init; }

    /// <summary>Command: how many attempts it took.</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Command: the reply, rendered.</summary>
    public string? Value { get; init; }

    /// <summary>Done of a connect: the client's keep-alive in seconds.</summary>
    public int? KeepAliveSeconds { get; init; }

    /// <summary>Done of a connect: the client's command timeout in milliseconds.</summary>
    public int? TimeoutMs { get; init; }
}

/// <summary>The one JSON form of the observer protocol: camelCase keys, enums as camelCase strings, nulls left out.</summary>
internal static class ObserverJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Read<T>(string line) => JsonSerializer.Deserialize<T>(line, Options);
}
