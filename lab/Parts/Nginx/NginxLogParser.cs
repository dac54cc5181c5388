using System.Globalization;
using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>One nginx log line read as an event (the original line is kept as its detail).</summary>
internal sealed record NginxLogLine(EventKind Kind, SocketFailure? Failure, int? Errno, int? Status, string Line);

/// <summary>
/// nginx's lines → the proxy kinds of <see cref="EventKind"/>: "upstream timed out (110: …) while reading response header
/// from upstream" → <see cref="EventKind.ProxyUpstreamTimedOutHeader"/>, "… while reading upstream" → body, other timeouts;
/// "upstream prematurely closed connection" → upstream closed; "recv() failed (104: …)" on the upstream → upstream reset;
/// "connect() failed (111: …)" → refused; "client prematurely closed connection" → client closed; "writev() failed (32:
/// Broken pipe) while sending to client" → client broken pipe, (104) → client reset; an access-log line → access.
/// Reads nginx's error-log and access-log lines (the lab's access format: <c>$status $upstream_status $request_time
/// $upstream_response_time $connection $bytes_sent "$request"</c>). Pure logic: tested on real lines.
/// </summary>
internal static partial class NginxLogParser
{
    /// <summary>An error-log line, or null for lines the lab does not record (routine info like keep-alive closes).</summary>
    public static NginxLogLine? ParseError(string line)
    {
        var m = ErrorLine().Match(line);
        if (!m.Success) return null;
        var level = m.Groups["level"].Value;
        var message = m.Groups["message"].Value;
        var errno = SyscallErrno().Match(message) is { Success: true } e ? int.Parse(e.Groups[1].Value, CultureInfo.InvariantCulture) : (int?)null;

        (EventKind Kind, SocketFailure? Failure)? known = message switch
        {
            _ when message.Contains("upstream timed out", StringComparison.Ordinal) && message.Contains("while reading response header from upstream", StringComparison.Ordinal)
                => (EventKind.ProxyUpstreamTimedOutHeader, SocketFailure.TimedOut),
            _ when message.Contains("upstream timed out", StringComparison.Ordinal) && message.Contains("while reading upstream", StringComparison.Ordinal)
                => (EventKind.ProxyUpstreamTimedOutBody, SocketFailure.TimedOut),
            _ when message.Contains("upstream timed out", StringComparison.Ordinal)
                => (EventKind.ProxyUpstreamTimedOutOther, SocketFailure.TimedOut),
            _ when message.Contains("upstream prematurely closed connection", StringComparison.Ordinal)
                => (EventKind.ProxyUpstreamClosed, SocketFailure.EndOfStream),
            _ when message.Contains("client prematurely closed connection", StringComparison.Ordinal)
                => (EventKind.ProxyClientClosed, errno == Errno.ECONNRESET ? SocketFailure.ConnectionReset : SocketFailure.EndOfStream),
            _ when message.Contains("while sending to client", StringComparison.Ordinal) && errno is not null
                => (errno == Errno.EPIPE ? EventKind.ProxyClientBrokenPipe : EventKind.ProxyClientReset, SocketFailures.FromErrno(errno.Value)),
            _ when errno == Errno.ECONNRESET && message.Contains("upstream", StringComparison.Ordinal)
                => (EventKind.ProxyUpstreamReset, SocketFailure.ConnectionReset),
            _ when errno == Errno.ECONNREFUSED
                => (EventKind.ProxyUpstreamRefused, SocketFailure.Refused),
            _ => null,
        };
        if (known is { } k) return new NginxLogLine(k.Kind, k.Failure, k.Failure is null ? null : errno, null, line);
        // Anything else at warn or above is worth seeing (e.g. "an upstream response is buffered to a temporary file").
        return level is "info" or "notice" or "debug" ? null : new NginxLogLine(EventKind.ProxyLog, null, null, null, line);
    }

    /// <summary>An access-log line in the lab's format.</summary>
    public static NginxLogLine? ParseAccess(string line)
    {
        var space = line.IndexOf(' ');
        if (space <= 0 || !int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var status)) return null;
        return new NginxLogLine(EventKind.ProxyAccess, null, null, status, line);
    }

    /// <summary>The upstream statuses of an access-log line ("502, 200" when nginx retried), in order.</summary>
    public static IReadOnlyList<string> UpstreamStatuses(string accessLine)
    {
        var m = AccessLine().Match(accessLine);
        return m.Success ? [.. m.Groups["ups"].Value.Split(", ")] : [];
    }

    [GeneratedRegex(@"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[(?<level>\w+)\] \d+#\d+: (?:\*\d+ )?(?<message>.*)$")]
    private static partial Regex ErrorLine();

    [GeneratedRegex(@"\((\d+): [^)]*\)")]
    private static partial Regex SyscallErrno();

    [GeneratedRegex(@"^(?<status>\d{3}) (?<ups>-|\d{3}(?:, \d{3})*(?: : \d{3})?) ")]
    private static partial Regex AccessLine();
}
