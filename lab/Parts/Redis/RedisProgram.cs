using BrokenPipe.Lab.Protocols;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Redis;

/// <summary>
/// redis-server as the lab runs it, declared once: Debian's redis-server (or the official image), ready when PING answers,
/// its log (at verbose) read into Redis events (side <see cref="Side.Redis"/>) by <see cref="RedisLogParser"/>.
/// </summary>
internal static class RedisProgram
{
    /// <summary>The log's name in the part's dir.</summary>
    public const string LogFile = "redis.log";

    public static ServerProgram Descriptor { get; } = new("redis-server", "redis-server", "redis", "redis", ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"])
    {
        Key = "redis",
        OfficialImage = "redis:7.4",
        Readiness = new ServerReadiness(async (endpoint, ct) => Resp.Render(await CommandAsync(endpoint, ["PING"], ct).ConfigureAwait(false)) == "PONG", "PING did not answer"),
        Logs = [new ServerLog(LogFile, LogEvent)],
    };

    /// <summary>One command of the lab's own (readiness, set-up, snapshots) on a fresh connection, noted as the lab's so the packet oracle leaves it out.</summary>
    public static Task<object?> CommandAsync(System.Net.IPEndPoint endpoint, IReadOnlyList<string> command, CancellationToken cancellationToken) =>
        Resp.CommandAsync(endpoint, command, cancellationToken, Runtimes.LabConnections.Register);

    /// <summary>A log line as a Redis event; both output buffer limits and the idle timeout make Redis close that client's connection (FIN).</summary>
    private static LabEvent? LogEvent(string line)
    {
        if (RedisLogParser.Parse(line) is not { } kind) return null;
        var detail = kind == EventKind.RedisOutputBufferLimit ? $"{RedisLogParser.Limit(line)} limit: {line}" : line;
        var closes = kind is EventKind.RedisOutputBufferLimit or EventKind.RedisIdleClientClosed;
        var observed = new RedisObservation
        {
            Fields = RedisLogParser.Fields(line),
            HardLimit = kind == EventKind.RedisOutputBufferLimit ? RedisLogParser.Limit(line) == "hard" : null,
        };
        return new LabEvent(Side.Redis, kind, detail) { Closed = closes ? CloseHow.Fin : null, Redis = observed, Verbatim = line };
    }
}
