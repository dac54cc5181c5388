namespace BrokenPipe.Lab.Parts.Redis;

/// <summary>Reads redis-server's log lines ("PID:ROLE DD Mon YYYY HH:MM:SS.mmm LEVEL message"). Pure logic, tested on real lines.</summary>
internal static class RedisLogParser
{
    /// <summary>The kind of a log line, or null for lines the lab does not record.</summary>
    public static EventKind? Parse(string line)
    {
        if (line.Contains("for overcoming of output buffer limits", StringComparison.Ordinal)) return EventKind.RedisOutputBufferLimit;
        if (line.Contains("Closing idle client", StringComparison.Ordinal)) return EventKind.RedisIdleClientClosed;
        if (line.Contains("Ready to accept connections", StringComparison.Ordinal)) return EventKind.RedisReady;
        // Level marks: '.' debug, '-' verbose, '*' notice, '#' warning.
        var marker = line.IndexOf(" # ", StringComparison.Ordinal);
        return marker > 0 && marker < 40 ? EventKind.RedisLog : null;
    }

    /// <summary>Which limit dropped the client: the hard one (closed at once, while writing) or the soft one (after its seconds).</summary>
    public static string Limit(string line) =>
        line.Contains("scheduled to be closed ASAP", StringComparison.Ordinal) ? "hard" : "soft";

    /// <summary>A field of a client description in a log line or CLIENT LIST ("cmd", "omem", "name" …), or null.</summary>
    public static string? Field(string line, string name)
    {
        var key = $" {name}=";
        var i = line.IndexOf(key, StringComparison.Ordinal);
        if (i < 0) return null;
        var start = i + key.Length;
        var end = line.IndexOf(' ', start);
        return end < 0 ? line[start..] : line[start..end];
    }
}
