using System.Runtime.InteropServices;
using System.Text;

namespace BrokenPipe.Bench;

/// <summary>The results as a plain-text table (stdout) and as markdown (<c>--out</c>).</summary>
public sealed class Report(int runs, IReadOnlyList<ScenarioRow> rows, IReadOnlyList<PartStarts> starts, string commandLine)
{
    private static readonly string[] Headers = ["scenario", "variant", "met", "median ms", "p90 ms", "inherent ms", "overhead ms", "target", "first error"];

    public bool AllTargetsMet => rows.All(r => r.Misses.Count == 0) && starts.All(s => s.Misses.Count == 0);

    private static string Configuration =>
#if DEBUG
        "Debug (figures not representative: use bench/run.sh)";
#else
        "Release";
#endif

    internal static string Machine =>
        $"{RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}, {Environment.ProcessorCount} CPUs, {Configuration}";

    public string Text()
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine($"BrokenPipe.Bench: {runs} sequential run{(runs == 1 ? "" : "s")} per scenario variant ({Machine})");
        sb.AppendLine();
        var cells = rows.Select(Cells).ToList();
        var widths = Headers.Select((h, i) => cells.Select(c => c[i].Length).Prepend(h.Length).Max()).ToArray();
        var numeric = new[] { false, false, true, true, true, true, true, false, false };
        string Line(IReadOnlyList<string> c) =>
            string.Join("  ", c.Select((x, i) => i == c.Count - 1 ? x : numeric[i] ? x.PadLeft(widths[i]) : x.PadRight(widths[i]))).TrimEnd();
        sb.AppendLine(Line(Headers));
        foreach (var c in cells) sb.AppendLine(Line(c));
        sb.AppendLine();
        foreach (var s in starts) sb.AppendLine(StartLine(s));
        sb.AppendLine();
        sb.AppendLine(Summary());
        return sb.ToString();
    }

    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Benchmark results");
        sb.AppendLine();
        sb.AppendLine($"Last run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, `{commandLine}`, {runs} sequential run{(runs == 1 ? "" : "s")} per scenario variant.  ");
        sb.AppendLine($"Machine: {Machine}.");
        sb.AppendLine();
        sb.AppendLine($"| {string.Join(" | ", Headers)} |");
        sb.AppendLine("|---|---|--:|--:|--:|--:|--:|---|---|");
        foreach (var c in rows.Select(Cells)) sb.AppendLine($"| {string.Join(" | ", c.Select(Escape))} |");
        sb.AppendLine();
        // Two spaces before the line break: one line each in rendered markdown.
        sb.AppendLine(string.Join("  \n", starts.Select(s => Escape(StartLine(s)))));
        sb.AppendLine();
        sb.AppendLine($"**{Escape(Summary())}**");
        sb.AppendLine();
        sb.AppendLine($"Targets: {runs}/{runs} runs met, median overhead (wall time − inherent wait) ≤ {Format.Ms(Targets.MaxMedianOverheadMs)} ms, " +
                      $"{string.Join(", ", starts.Select(s => $"{s.Target.Part} start-to-ready ≤ {Format.Ms(s.Target.MaxMedianMs)} ms ({s.Target.MedianName})"))}. " +
                      "See bench/README.md for how to read the table.");
        return sb.ToString();
    }

    private static string[] Cells(ScenarioRow r) =>
    [
        r.Id,
        r.Variant.ToString().ToLowerInvariant(),
        $"{r.Met}/{r.Runs}",
        Format.Ms(r.MedianMs),
        Format.Ms(r.P90Ms),
        Format.Ms(r.InherentMs),
        Format.Ms(r.MedianOverheadMs),
        r.Misses.Count == 0 ? "ok" : $"MISS: {string.Join(", ", r.Misses)}",
        r.FirstError ?? "-",
    ];

    /// <summary>"Kestrel start-to-ready (20 starts, fresh lab each): cold 63.0 ms, warm median 1.3 ms  ok".</summary>
    private static string StartLine(PartStarts s) =>
        $"{s.Target.Part} start-to-ready ({s.Target.Starts} starts, fresh lab each): cold {Format.Ms(s.ColdMs)} ms, " +
        $"{s.Target.MedianName} {Format.Ms(s.MedianMs)} ms  " +
        (s.Misses.Count == 0 ? "ok" : $"MISS: {string.Join(", ", s.Misses)}");

    private string Summary()
    {
        var ok = rows.Count(r => r.Misses.Count == 0);
        var met = rows.Sum(r => r.Met);
        var total = rows.Sum(r => r.Runs);
        var facts = $"{ok}/{rows.Count} scenario variants on target, {met}/{total} runs met, " +
                    string.Join(", ", starts.Select(s => $"{s.Target.Part} {(s.Target.ColdExcluded ? "warm " : "")}start {Format.Ms(s.MedianMs)} ms"));
        if (AllTargetsMet) return $"summary: all targets met ({facts})";
        var missed = rows.Where(r => r.Misses.Count > 0).Select(r => $"{r.Name} ({string.Join(", ", r.Misses)})").ToList();
        missed.AddRange(starts.Where(s => s.Misses.Count > 0).Select(s => $"{s.Target.Part.ToLowerInvariant()} ({string.Join(", ", s.Misses)})"));
        return $"summary: targets missed by {string.Join("; ", missed)} ({facts})";
    }

    internal static string Escape(string cell) => cell.Replace("\r", " ").Replace("\n", " ").Replace("|", "\\|");
}
