using System.Net.Sockets;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>
/// HAProxy as the lab runs it, declared once: Debian's haproxy (or the official image), ready when its port accepts, its
/// HTTP log lines (written by <see cref="HAProxyLogSocket"/> into <c>logs/haproxy.log</c>) read twice: once as the access
/// record, once for how the session ended (<see cref="HAProxyLogParser"/>), both side <see cref="Side.Proxy"/>.
/// </summary>
internal static class HAProxyProgram
{
    /// <summary>The log file in the part's dir.</summary>
    public static string LogFile { get; } = Path.Combine("logs", "haproxy.log");

    public static ServerProgram Descriptor { get; } = new("haproxy", "haproxy", "haproxy", "haproxy", ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy", "/opt/homebrew/bin/haproxy"])
    {
        Key = "haproxy",
        OfficialImage = "haproxy:2.6",
        VersionArguments = ["-v"],
        Readiness = ServerReadiness.PortAccepts with { ExitWords = Alerts },
        Logs = [new ServerLog(LogFile, AccessEvent), new ServerLog(LogFile, TerminationEvent)],
    };

    /// <summary>
    /// Why this machine cannot run HAProxy, or null: it is not installed and the lab may not install it (not root, or
    /// <c>BROKENPIPE_LAB_NO_INSTALL</c> set). Asked by tests and by the scenarios' HAProxy variants.
    /// </summary>
    public static string? Unavailable =>
        BinaryLocator.Find(Descriptor) is not null || (Environment.IsPrivilegedProcess && Environment.GetEnvironmentVariable(BinaryLocator.NoInstallVariable) is not { Length: > 0 })
            ? null
            : Descriptor.InstallHint;

    /// <summary>HAProxy's own words when it refuses a config: its [ALERT] lines, or all of its output.</summary>
    public static string Alerts(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var alerts = lines.Where(l => l.Contains("[ALERT]", StringComparison.Ordinal)).ToList();
        return string.Join(" ", alerts.Count > 0 ? alerts : lines);
    }

    /// <summary>Every HTTP log line is the access record: the status HAProxy sent, its total time (Ta) as the duration.</summary>
    private static LabEvent? AccessEvent(string line) =>
        HAProxyLogParser.Parse(line) is { } l
            ? new LabEvent(Side.Proxy, EventKind.ProxyAccess, $"access: {line}")
            {
                Status = l.Status,
                Duration = l.Timers.Active >= 0 ? TimeSpan.FromMilliseconds(l.Timers.Active) : null,
                Verbatim = line,
            }
            : null;

    /// <summary>
    /// A line whose termination state is not "--", as the proxy kind it names. On <c>sH</c> and <c>sD</c> (timeout server
    /// before the header, during the data) HAProxy resets its upstream connection (measured: an RST, where nginx sends a
    /// FIN), so that event carries the close.
    /// </summary>
    private static LabEvent? TerminationEvent(string line)
    {
        if (HAProxyLogParser.Parse(line) is not { } l || HAProxyLogParser.Termination(l) is not { } t) return null;
        var closes = l.Cause == 's' && l.Step is 'H' or 'D' ? CloseHow.Rst : (CloseHow?)null;
        return new LabEvent(Side.Proxy, t.Kind, $"{l.TerminationState}: {line}") { Failure = t.Failure, Status = l.Status, Closed = closes, Verbatim = line };
    }
}
