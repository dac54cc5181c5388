using System.Globalization;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios;

/// <summary>
/// "Will my version recover?": one row per failure, one column per StackExchange.Redis version, each cell what the
/// application saw and after how long, derived from the events of real runs (never written by hand). The CLI's
/// <c>seredis-table</c> command runs the rows' broken variants with every version and renders this table.
/// </summary>
public static class VersionTable
{
    /// <summary>One failure: the scenario whose variant shows it, when the fault struck, and when the fault ended (if it does).</summary>
    public sealed record Row(string Failure, string ScenarioId, Func<LibraryRun, LabEvent?> Fault, Func<IReadOnlyList<LabEvent>, LabEvent?> Recovery)
    {
        /// <summary>How long the run watches after the fault (said when nothing was restored).</summary>
        public string Watch { get; init; } = "the run";

        /// <summary>The variant that shows it: the broken one, unless the row is about a fix.</summary>
        public Variant Variant { get; init; } = Variant.Broken;
    }

    /// <summary>The rows, in the order of the README's table.</summary>
    public static IReadOnlyList<Row> Rows { get; } =
    [
        // Idle: from the client's connect (it is idle from then on) to what it saw.
        new("idle timeout (`timeout 1`, idle client)", ScenarioIds.RedisIdleTimeout, r => r.Of(EventKind.Connected).FirstOrDefault(), _ => null),
        new("crash (kill -9, 5 s down)", ScenarioIds.RedisCrashRestart, r => Killed(r.Events), Restart),
        new("slow subscriber (pub/sub limit, 10 ms handler)", ScenarioIds.RedisPubsubSlowSubscriber, r => LibrarySubscriberDrop(r.Events), _ => null) { Watch = "4 s" },
        // The fix: from Redis's limit line for this client's own subscription (each client is named after its actor).
        new("slow subscriber, fixed: ChannelMessageQueue (1.2.6: a handler)", ScenarioIds.RedisPubsubSlowSubscriber, NamedDrop, _ => null) { Watch = "3 s", Variant = Variant.Fixed },
        new("silent drop (middlebox, after 4 s idle)", ScenarioIds.RedisIdleDrop, r => IdleOver(r.Events), _ => null) { Watch = "9 s" },
        new("reset (middlebox RST, after 4 s idle)", ScenarioIds.RedisIdleReset, r => IdleOver(r.Events), _ => null),
        new("starvation (sync calls on pool threads, 3 s down)", ScenarioIds.RedisThreadpoolStarvation, r => Killed(r.Events), Restart) { Watch = "6 s of Redis being back" },
    ];

    /// <summary>What one version's application saw in one run, in numbers (times in ms after the fault, or after Redis was back for a restore).</summary>
    public sealed record Facts(
        string? FailureType,
        double? FailedMs,
        double? DeadSocketMs,
        string? LogLevel,
        double? LogMs,
        int Failed,
        int Commands,
        int AtOnce,
        int TimedOut,
        double? RestoredMs,
        string RestoredFrom);

    /// <summary>What one version's application saw in one run, relative to the fault (and to the recovery for restore times).</summary>
    public static Facts? Observe(Row row, LibraryRun run)
    {
        if (row.Fault(run) is not { } fault) return null;
        var after = run.Mine.Where(e => e.At >= fault.At).ToList();
        var failed = after.FirstOrDefault(e => e.Kind == EventKind.LibraryConnectionFailed);
        var dead = after.FirstOrDefault(e => e.Kind == EventKind.LibraryLog && e.Failure == SocketFailure.TimedOut);
        var logged = failed is null && dead is null ? after.FirstOrDefault(e => e.Kind == EventKind.LibraryLog && e.Library?.LogLevel is "Error" or "Warning") : null;
        var commands = after.Where(e => e.Kind is EventKind.CommandSucceeded or EventKind.CommandFailed).ToList();
        var failures = commands.Where(e => e.Kind == EventKind.CommandFailed).ToList();
        var back = row.Recovery(run.Events);
        var from = back ?? failed ?? fault;
        var restored = run.Mine.FirstOrDefault(e => e.Kind == EventKind.LibraryConnectionRestored && e.At >= from.At - TimeSpan.FromMilliseconds(50));
        double Ms(LabEvent e, LabEvent since) => Math.Abs((e.At - since.At).TotalMilliseconds);
        return new Facts(
            failed?.Library?.FailureType,
            failed is null ? null : Ms(failed, fault),
            dead is null ? null : Ms(dead, fault),
            logged?.Library?.LogLevel,
            logged is null ? null : Ms(logged, fault),
            failures.Count,
            commands.Count,
            failures.Count(e => e.Library?.Latency < TimeSpan.FromMilliseconds(100)),
            failures.Count(e => e.Failure == SocketFailure.TimedOut),
            restored is null ? null : Ms(restored, from),
            back is not null ? "after Redis was back" : failed is not null ? "after the failure" : "(no ConnectionFailed)");
    }

    /// <summary>One cell: the facts of one or more runs, each number as a range over the runs.</summary>
    public static string Cell(Row row, IReadOnlyList<Facts> runs)
    {
        if (runs.Count == 0) return "—";
        var parts = new List<string>();
        parts.Add(runs.All(f => f.FailedMs is null)
            ? "no ConnectionFailed"
            : $"ConnectionFailed {string.Join("/", runs.Select(f => f.FailureType).OfType<string>().Distinct())} after {Range(runs.Select(f => f.FailedMs))}");
        if (runs.Any(f => f.DeadSocketMs is not null)) parts.Add($"'dead socket' logged after {Range(runs.Select(f => f.DeadSocketMs))}");
        if (runs.Any(f => f.LogMs is not null)) parts.Add($"only its log says so ({string.Join("/", runs.Select(f => f.LogLevel).OfType<string>().Distinct())}) after {Range(runs.Select(f => f.LogMs))}");
        if (runs.Any(f => f.Failed > 0))
        {
            var how = new List<string>();
            if (runs.Any(f => f.AtOnce > 0)) how.Add($"{Count(runs.Select(f => f.AtOnce))} at once");
            if (runs.Any(f => f.TimedOut > 0)) how.Add($"{Count(runs.Select(f => f.TimedOut))} timed out");
            parts.Add($"{Count(runs.Select(f => f.Failed))} of {Count(runs.Select(f => f.Commands))} commands failed" + (how.Count > 0 ? $" ({string.Join(", ", how)})" : ""));
        }
        else if (runs.Any(f => f.Commands > 0))
        {
            parts.Add("commands OK");
        }
        var restoredIn = runs.Count(f => f.RestoredMs is not null);
        parts.Add(restoredIn == 0
            ? $"not restored within {row.Watch}"
            : $"restored {Range(runs.Select(f => f.RestoredMs))} {runs.First(f => f.RestoredMs is not null).RestoredFrom}" + (restoredIn < runs.Count ? $" ({restoredIn} of {runs.Count} runs)" : ""));
        return string.Join("; ", parts);
    }

    /// <summary>The markdown table: one line per row, one column per version.</summary>
    public static string Markdown(IReadOnlyDictionary<(string Row, SeRedisVersion Version), List<Facts>> cells, int runs)
    {
        var lines = new List<string>
        {
            $"| failure | {string.Join(" | ", SeRedisVersions.All.Select(v => v.Name()))} |",
            $"|---|{string.Join("|", SeRedisVersions.All.Select(_ => "---"))}|",
        };
        foreach (var row in Rows)
        {
            var columns = SeRedisVersions.All.Select(v => cells.TryGetValue((row.Failure, v), out var c) ? Cell(row, c) : "—");
            lines.Add($"| {row.Failure} (`{row.ScenarioId}`) | {string.Join(" | ", columns)} |");
        }
        lines.Add("");
        lines.Add($"Generated by `dotnet run --project scenarios -- seredis-table --runs {runs} --write` from {runs} run(s) of each row's variant (broken, unless the row says fixed) with `--seredis all`, on {Environment.ProcessorCount} CPUs. Times count from the fault (restores: from the failure, or from Redis's restart); a range spans the runs. \"Restored\" is the library's ConnectionRestored event.");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Range(IEnumerable<double?> values)
    {
        var v = values.OfType<double>().ToList();
        if (v.Count == 0) return "—";
        var (lo, hi) = (v.Min(), v.Max());
        var (a, b) = (Time(lo), Time(hi));
        if (a == b) return a;
        // "24–26 ms", not "24 ms–26 ms", when both have the same unit.
        var unit = b[b.LastIndexOf(' ')..];
        return a.EndsWith(unit, StringComparison.Ordinal) ? $"{a[..^unit.Length]}–{b}" : $"{a}–{b}";
    }

    private static string Count(IEnumerable<int> values)
    {
        var v = values.ToList();
        return v.Min() == v.Max() ? $"{v.Min()}" : $"{v.Min()}–{v.Max()}";
    }

    /// <summary>The committed table (docs/seredis-versions.md, embedded at build time), or null.</summary>
    public static string? Committed()
    {
        using var stream = typeof(VersionTable).Assembly.GetManifestResourceStream("docs/seredis-versions.md");
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Time(double ms) => ms < 1000
        ? string.Create(CultureInfo.InvariantCulture, $"{ms:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:0.0} s");

    private static LabEvent? Killed(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(e => e.Kind == EventKind.RedisKilled);

    private static LabEvent? Restart(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(e => e.Kind == EventKind.Note && e.Actor == "outage");

    private static LabEvent? IdleOver(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(Middlebox.IdlePause.IsOver);

    /// <summary>Redis's first limit line for this client's connection: its name= is the client's actor name (CLIENT SETNAME).</summary>
    private static LabEvent? NamedDrop(LibraryRun run) =>
        run.Events.FirstOrDefault(e => e.Kind == EventKind.RedisOutputBufferLimit && e.Redis?.Field("name") == run.Actor);

    /// <summary>The first pub/sub limit line after the library's flood began (the library subscribers' drop).</summary>
    private static LabEvent? LibrarySubscriberDrop(IReadOnlyList<LabEvent> events) =>
        events.FirstOrDefault(e => e.Kind == EventKind.Sent && e.Actor == "publisher-lib") is { } flood
            ? events.FirstOrDefault(e => e.Kind == EventKind.RedisOutputBufferLimit && e.At >= flood.At)
            : null;
}
