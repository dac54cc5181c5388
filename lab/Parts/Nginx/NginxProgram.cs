using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// nginx as the lab runs it, declared once: Debian's nginx-light (or the official image), ready when its port accepts,
/// its error log (at info) and access log read into proxy events (side <see cref="Side.Proxy"/>) by
/// <see cref="NginxLogParser"/>.
/// </summary>
internal static class NginxProgram
{
    public static ServerProgram Descriptor { get; } = new("nginx", "nginx-light", "nginx", "nginx", ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/opt/homebrew/bin/nginx"])
    {
        Key = "nginx",
        OfficialImage = "nginx:1.27",
        VersionArguments = ["-v"],
        ImageFiles = ["/etc/nginx/mime.types"],
        ImageDirectories = ["/tmp", "/var/lib/nginx", "/var/log/nginx", "/run"],
        Readiness = ServerReadiness.PortAccepts with { ExitWords = Emerg },
        Logs = [new ServerLog(Path.Combine("logs", "error.log"), ErrorEvent), new ServerLog(Path.Combine("logs", "access.log"), AccessEvent)],
    };

    /// <summary>nginx's own words: its [emerg]/[alert] lines, or all of its output.</summary>
    public static string Emerg(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var emerg = lines.Where(l => l.Contains("[emerg]", StringComparison.Ordinal) || l.Contains("[alert]", StringComparison.Ordinal)).ToList();
        return string.Join(" ", emerg.Count > 0 ? emerg : lines);
    }

    /// <summary>An error-log line as a proxy event; nginx gives up on a timed-out upstream and closes its connection to it (FIN).</summary>
    private static LabEvent? ErrorEvent(string line)
    {
        if (NginxLogParser.ParseError(line) is not { } e) return null;
        var closes = e.Kind is EventKind.ProxyUpstreamTimedOutHeader or EventKind.ProxyUpstreamTimedOutBody;
        return new LabEvent(Side.Proxy, e.Kind, line) { Failure = e.Failure, Errno = e.Errno, Closed = closes ? CloseHow.Fin : null, Verbatim = line };
    }

    /// <summary>An access-log line as a proxy event with the status sent and the upstream statuses.</summary>
    private static LabEvent? AccessEvent(string line) =>
        NginxLogParser.ParseAccess(line) is { } e
            ? new LabEvent(Side.Proxy, e.Kind, $"access: {line}") { Status = e.Status, UpstreamStatuses = NginxLogParser.UpstreamStatuses(line), Verbatim = line }
            : null;
}
