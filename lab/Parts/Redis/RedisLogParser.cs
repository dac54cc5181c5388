using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Parts.Redis;

/// <summary>Reads redis-server's log lines ("PID:ROLE DD Mon YYYY HH:MM:SS.mmm LEVEL message"). Pure logic, tested on real lines.</summary>
internal static partial class RedisLogParser
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

    /// <summary>
    /// Every field of the client description in a log line or a CLIENT LIST line ("addr", "flags", "omem", "cmd" …), in
    /// Redis's names; empty when the line describes no client.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Fields(string line)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match m in ClientField().Matches(line)) fields.TryAdd(m.Groups[1].Value, m.Groups[2].Value);
        return fields;
    }

    /// <summary>A CLIENT LIST reply, one client a line, as one observation per client with its <see cref="Fields"/>.</summary>
    public static IReadOnlyList<RedisObservation> ClientList(string text) =>
        [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => new RedisObservation { Fields = Fields(" " + l) })];

    /// <summary>The fields of an INFO reply's "name:value" lines (run_id, uptime_in_seconds …); section headers are skipped.</summary>
    public static IReadOnlyDictionary<string, string> InfoFields(string info)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in info.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.StartsWith('#') || colon <= 0) continue;
            fields.TryAdd(line[..colon], line[(colon + 1)..]);
        }
        return fields;
    }

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

    // " name=value" (the value may be empty, "name="): the fields of a client description, after the line's text.
    [GeneratedRegex(@"(?<=\s)([a-z][a-z0-9_-]*)=(\S*)")]
    private static partial Regex ClientField();
}
