using System.Globalization;
using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>
/// HAProxy's HTTP log lines (<c>option httplog</c>, sent raw to the part's log socket) → the proxy kinds of
/// <see cref="EventKind"/>. Every line is the access record (<see cref="EventKind.ProxyAccess"/>, its status); its
/// termination state says how the session ended, which is what nginx writes in its error log:
/// <c>sH</c> (timeout server before the response header) → upstream timed out reading the header; <c>sD</c> → reading
/// the body; <c>sC</c>/<c>sQ</c>/other <c>s</c> → other upstream timeouts; <c>SC</c> → refused (or the connect failed);
/// <c>SH</c>/<c>SD</c>/other <c>S</c> → the upstream closed or reset its connection (HAProxy does not say which);
/// <c>C?</c> → the client closed first; <c>c?</c> → the client timed out (<c>cR</c>: no complete request, 408;
/// <c>cD</c>: it stopped reading); a state starting with <c>P</c>, <c>R</c>, <c>I</c>, <c>K</c>, <c>D</c> or <c>L</c> →
/// another proxy line; <c>--</c> → a normal end, no second event. Pure logic: tested on real lines.
/// </summary>
internal static partial class HAProxyLogParser
{
    /// <summary>An HTTP log line, or null for anything else (HAProxy's start and stop notices, tcplog lines).</summary>
    public static HAProxyLogLine? Parse(string line)
    {
        var m = HttpLine().Match(line);
        if (!m.Success) return null;
        int Int(string name) => int.Parse(m.Groups[name].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var timers = new HAProxyTimers(Int("tr"), Int("tw"), Int("tc"), Int("tres"), Int("ta"));
        return new HAProxyLogLine(
            Int("status"),
            long.Parse(m.Groups["bytes"].Value, CultureInfo.InvariantCulture),
            m.Groups["backend"].Value,
            m.Groups["server"].Value,
            timers,
            m.Groups["ts"].Value,
            m.Groups["request"].Value,
            line);
    }

    /// <summary>The proxy kind and failure of a line's termination state, or null for a normal end.</summary>
    public static (EventKind Kind, SocketFailure? Failure)? Termination(HAProxyLogLine line) => (line.Cause, line.Step) switch
    {
        ('-', _) => null,
        ('s', 'H') => (EventKind.ProxyUpstreamTimedOutHeader, SocketFailure.TimedOut),
        ('s', 'D') => (EventKind.ProxyUpstreamTimedOutBody, SocketFailure.TimedOut),
        ('s', _) => (EventKind.ProxyUpstreamTimedOutOther, SocketFailure.TimedOut),
        ('S', 'C') => (EventKind.ProxyUpstreamRefused, SocketFailure.Refused),
        ('S', _) => (EventKind.ProxyUpstreamClosed, SocketFailure.EndOfStream),
        ('C', _) => (EventKind.ProxyClientClosed, SocketFailure.EndOfStream),
        ('c', _) => (EventKind.ProxyClientTimedOut, SocketFailure.TimedOut),
        _ => (EventKind.ProxyLog, null),
    };

    // %ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r
    // (HAProxy 2.6's httplog; %Ta and %B carry a '+' under option logasap; captured headers are in braces).
    [GeneratedRegex(@"^(?<client>\S+) \[(?<date>[^\]]+)\] (?<frontend>\S+) (?<backend>[^/\s]+)/(?<server>\S+) (?<tr>-?\d+)/(?<tw>-?\d+)/(?<tc>-?\d+)/(?<tres>-?\d+)/\+?(?<ta>-?\d+) (?<status>-?\d+) \+?(?<bytes>\d+) \S+ \S+ (?<ts>[^\s]{4}) \S+ \S+ (?:\{[^}]*\} )*""(?<request>.*)""$")]
    private static partial Regex HttpLine();
}
