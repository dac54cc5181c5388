using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Explain;

/// <summary>
/// The one place that knows how each language and library spells the lab's failure kinds: Go's
/// <c>write: broken pipe</c>, Python's <c>BrokenPipeError</c> and <c>Error 104</c>, Node's <c>EPIPE</c>, Java's
/// <c>java.io.IOException: Broken pipe</c> and <c>java.net.SocketException: Connection reset</c>, .NET's
/// <c>SocketException (32)</c>/<c>(104)</c>, nginx's <c>(32: Broken pipe)</c>, StackExchange.Redis's exceptions, and
/// HAProxy's termination states in its log lines (case matters there: <c>sH--</c> is a timeout, <c>SH--</c> a close):
/// <c>s?--</c> and <c>c?--</c> (a server's or client's timeout) → timed out, <c>SC--</c> → refused, <c>SH--</c>/<c>SD--</c>
/// and <c>C?--</c> (the server or the client closed) → end of stream.
/// </summary>
internal static partial class FailureAliases
{
    private static readonly (SocketFailure Failure, int? Errno, Regex Pattern)[] Aliases =
    [
        (SocketFailure.BrokenPipe, Errno.EPIPE, BrokenPipe()),
        (SocketFailure.ConnectionReset, Errno.ECONNRESET, Reset()),
        (SocketFailure.TimedOut, Errno.ETIMEDOUT, TimedOut()),
        (SocketFailure.Refused, Errno.ECONNREFUSED, Refused()),
        (SocketFailure.EndOfStream, null, EndOfStream()),
        (SocketFailure.Canceled, null, Canceled()),
        (SocketFailure.TimedOut, Errno.ETIMEDOUT, HAProxyTimeout()),
        (SocketFailure.Refused, Errno.ECONNREFUSED, HAProxyRefused()),
        (SocketFailure.EndOfStream, null, HAProxyClosed()),
    ];

    /// <summary>The failure kinds <paramref name="text"/> names, each with the errno the lab records for it (null where it has none).</summary>
    public static IReadOnlyList<(SocketFailure Failure, int? Errno)> Find(string text) =>
        [.. Aliases.Where(a => a.Pattern.IsMatch(text)).Select(a => (a.Failure, a.Errno))];

    [GeneratedRegex(@"broken\s*pipe|\bEPIPE\b|BrokenPipeError|errno\s*32\b|error\s*32\b|\(32[:)]", RegexOptions.IgnoreCase)]
    private static partial Regex BrokenPipe();

    [GeneratedRegex(@"connection\s+reset|reset\s+by\s+peer|\bECONNRESET\b|ConnectionResetError|errno\s*104\b|error\s*104\b|\(104[:)]|SocketFailure", RegexOptions.IgnoreCase)]
    private static partial Regex Reset();

    [GeneratedRegex(@"timed\s*out|\bETIMEDOUT\b|\btimeout\b|TimeoutException|\(110[:)]|errno\s*110\b", RegexOptions.IgnoreCase)]
    private static partial Regex TimedOut();

    [GeneratedRegex(@"connection\s+refused|\bECONNREFUSED\b|ConnectionRefusedError|\(111[:)]|errno\s*111\b", RegexOptions.IgnoreCase)]
    private static partial Regex Refused();

    [GeneratedRegex(@"\bEOF\b|end\s+of\s+(stream|file)|prematurely|ended\s+prematurely|unexpected\s+end|SocketClosed|IncompleteRead|server closed the connection", RegexOptions.IgnoreCase)]
    private static partial Regex EndOfStream();

    // HAProxy's four-character termination state, as a word of its own in an httplog line (" sH-- 1/1/0/0/0").
    [GeneratedRegex(@"(?<=\s)[sc][RQCHDLT]--(?=\s|$)")]
    private static partial Regex HAProxyTimeout();

    [GeneratedRegex(@"(?<=\s)SC--(?=\s|$)")]
    private static partial Regex HAProxyRefused();

    [GeneratedRegex(@"(?<=\s)(S[HDL]|C[RQCHDL])--(?=\s|$)")]
    private static partial Regex HAProxyClosed();

    [GeneratedRegex(@"\bcancel(l)?ed\b|TaskCanceledException|OperationCanceledException|context canceled", RegexOptions.IgnoreCase)]
    private static partial Regex Canceled();
}
