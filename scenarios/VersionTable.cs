using System.Globalization;

namespace BrokenPipe.Scenarios;

/// <summary>
/// "Will my version recover?": one row per failure, one column per StackExchange.Redis version, each cell what the
/// application saw and after how long, derived from the events of real runs (never written by hand). The CLI's
/// <c>seredis-table</c> command runs the rows' broken variants with every version and renders this table.
/// </summary>
public static class VersionTable
{
    /// <summary>One failure: the scenario whose broken variant shows it, when the fault struck, and when the fault ended (if it does).</summary>
    public sealed record Row(string Failure, string ScenarioId, Func<LibraryRun, LabEvent?> Fault, Func<IReadOnlyList<LabEvent>, LabEvent?> Recovery);

    /// <summary>The rows, in the order of the README's table.</summary>
    public static IReadOnlyList<Row> Rows { get; } =
    [
        // Idle: from the client's connect (it is idle from then on) to what it saw.
        new("idle timeout (`timeout 1`, idle client)", ScenarioIds.RedisIdleTimeout, r => r.Of(EventKind.Connected).FirstOrDefault(), _ => null),
        new("crash (kill -9, 5 s down)", ScenarioIds.RedisCrashRestart, r => Killed(r.Events), Restart),
        new("slow subscriber (pub/sub limit, 10 ms handler)", ScenarioIds.RedisPubsubSlowSubscriber, r => LibrarySubscriberDrop(r.Events), _ => null),
        new("silent drop (middlebox, after 4 s idle)", ScenarioIds.RedisIdleDrop, r => IdleOver(r.Events), _ => null),
        new("reset (middlebox RST, after 4 s idle)", ScenarioIds.RedisIdleReset, r => IdleOver(r.Events), _ => null),
        new("starvation (sync calls on pool threads, 3 s down)", ScenarioIds.RedisThreadpoolStarvation, r => Killed(r.Events), Restart),
    ];

    /// <summary>What one version's application saw in one run, relative to the fault (and to the recovery for restore times).</summary>
    public static string Cell(Row row, LibraryRun run)
    {
        if (row.Fault(run) is not { } fault) return "fault not seen";
        var after = run.Mine.Where(e => e.At >= fault.At).ToList();
        var parts = new List<string>();
        var failed = after.FirstOrDefault(e => e.Kind == EventKind.LibraryConnectionFailed);
        parts.Add(failed is null ? "no ConnectionFailed" : $"ConnectionFailed {failed.Library?.FailureType} +{Time(failed.At - fault.At)}");
        if (after.FirstOrDefault(e => e.Kind == EventKind.LibraryLog && e.Failure == SocketFailure.TimedOut) is { } dead) parts.Add($"'dead socket' logged +{Time(dead.At - fault.At)}");
        else if (failed is null && after.FirstOrDefault(e => e.Kind == EventKind.LibraryLog && e.Library?.LogLevel is "Error" or "Warning") is { } logged) parts.Add($"only its log says so ({logged.Library?.LogLevel}) +{Time(logged.At - fault.At)}");
        var commands = after.Where(e => e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed).ToList();
        var failures = commands.Where(e => e.Kind == EventKind.CommandFailed).ToList();
        if (failures.Count > 0)
        {
            var atOnce = failures.Count(e => e.Library?.Latency < TimeSpan.FromMilliseconds(100));
            var timedOut = failures.Count(e => e.Failure == SocketFailure.TimedOut);
            parts.Add($"{failures.Count} of {commands.Count} commands failed" + (atOnce > 0 ? $" ({atOnce} at once)" : "") + (timedOut > 0 ? $" ({timedOut} timed out)" : ""));
        }
        else if (commands.Count > 0)
        {
            parts.Add(commands.Count == 1 ? "the command OK" : $"all {commands.Count} commands OK");
        }
        var back = row.Recovery(run.Events);
        var from = back ?? failed ?? fault;
        var restored = run.Mine.FirstOrDefault(e => e.Kind == EventKind.LibraryConnectionRestored && e.At >= from.At - TimeSpan.FromMilliseconds(50));
        if (restored is null) parts.Add("not restored in the run");
        else if (back is not null) parts.Add($"restored {Time(restored.At - back.At)} after Redis was back");
        else if (failed is not null) parts.Add($"restored {Time((restored.At - failed.At).Duration())} after the failure");
        else parts.Add($"restored +{Time(restored.At - fault.At)} (no ConnectionFailed)");
        return string.Join("; ", parts);
    }

    /// <summary>The markdown table: one line per row, one column per version (cells of several runs joined by " / ").</summary>
    public static string Markdown(IReadOnlyDictionary<(string Row, SeRedisVersion Version), List<string>> cells, int runs)
    {
        var lines = new List<string>
        {
            $"| failure | {string.Join(" | ", SeRedisVersions.All.Select(v => v.Name()))} |",
            $"|---|{string.Join("|", SeRedisVersions.All.Select(_ => "---"))}|",
        };
        foreach (var row in Rows)
        {
            var columns = SeRedisVersions.All.Select(v => cells.TryGetValue((row.Failure, v), out var c) ? string.Join(" / ", c.Distinct()) : "—");
            lines.Add($"| {row.Failure} (`{row.ScenarioId}`) | {string.Join(" | ", columns)} |");
        }
        lines.Add("");
        lines.Add($"Generated by `dotnet run --project scenarios -- seredis-table --runs {runs} --write` from {runs} run(s) of each broken variant with `--seredis all` (times after the fault; restore times after Redis was back where it comes back).");
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The committed table (docs/seredis-versions.md, embedded at build time), or null.</summary>
    public static string? Committed()
    {
        using var stream = typeof(VersionTable).Assembly.GetManifestResourceStream("docs/seredis-versions.md");
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Time(TimeSpan t) => t < TimeSpan.FromSeconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s");

    private static LabEvent? Killed(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(e => e.Kind == EventKind.RedisKilled);

    private static LabEvent? Restart(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(e => e.Kind == EventKind.Note && e.Actor == "outage" && e.Index == 1);

    private static LabEvent? IdleOver(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(e => e.Kind == EventKind.Note && e.Actor == "idle" && e.Index == 1);

    /// <summary>The first pub/sub limit line after the library's flood began (the library subscribers' drop).</summary>
    private static LabEvent? LibrarySubscriberDrop(IReadOnlyList<LabEvent> events) =>
        events.FirstOrDefault(e => e.Kind == EventKind.Sent && e.Actor == "publisher-lib") is { } flood
            ? events.FirstOrDefault(e => e.Kind == EventKind.RedisOutputBufferLimit && e.At >= flood.At)
            : null;
}
