using System.Globalization;
using System.Text;
using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Reports;

/// <summary>The narration a workshop reads: the merged timeline, who disconnected first, each check, the verdict.</summary>
public static class TextReport
{
    public static string Narrate(Scenario scenario, ScenarioResult r)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"== {r.Name} [{JsonReport.RunName(r)}] — {scenario.Title}");
        if (r.Upstream is { } upstream) sb.AppendLine(CultureInfo.InvariantCulture, $"   upstream: {upstream}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"   expected: {r.Expected}");
        sb.AppendLine("   timeline:");
        foreach (var e in r.Events) sb.Append("   ").AppendLine(TimelineFormat.Line(e));
        sb.AppendLine(CultureInfo.InvariantCulture, $"   first disconnect: {Describe(r.FirstDisconnect)}");
        foreach (var c in r.Checks) sb.AppendLine(CultureInfo.InvariantCulture, $"   {(c.Met ? "ok  " : "FAIL")} {c.Description}");
        if (r.Error is not null) sb.AppendLine(CultureInfo.InvariantCulture, $"   error: {r.Error}");
        if (r.Capture is { } capture)
        {
            sb.AppendLine("   on the wire:");
            foreach (var line in capture.Lines) sb.Append("   ").AppendLine(line);
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"   verdict: {Verdict(r)} in {r.Duration.TotalMilliseconds:0} ms");
        if (r.Variant == Variant.Broken) sb.AppendLine(CultureInfo.InvariantCulture, $"   why: {scenario.Story.Why}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"   fix: {scenario.Story.Fix}");
        return sb.ToString();
    }

    public static string Describe(FirstDisconnect? first) => first is null
        ? "nobody closed a connection"
        : string.Create(CultureInfo.InvariantCulture, $"the {TimelineFormat.SideName(first.Side)}{(first.Actor is null ? "" : $" [{first.Actor}]")} at {first.At.TotalMilliseconds:0.0} ms, with a {first.How}");

    public static string Verdict(ScenarioResult r) => r.Outcome switch
    {
        Outcome.Met => "MET",
        Outcome.NotMet => "NOT MET",
        _ => "ERROR",
    };

    /// <summary>One line per run: the catalog's results table.</summary>
    public static string Table(IReadOnlyList<ScenarioResult> results)
    {
        var sb = new StringBuilder();
        var idWidth = Math.Max(8, results.Select(r => r.Name.Length).DefaultIfEmpty(8).Max());
        var variantWidth = Math.Max(7, results.Select(r => JsonReport.RunName(r).Length).DefaultIfEmpty(7).Max());
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"scenario".PadRight(idWidth)}  {"variant".PadRight(variantWidth)}  verdict   time      first disconnect");
        foreach (var r in results)
        {
            var first = r.FirstDisconnect is { } f ? $"{TimelineFormat.SideName(f.Side)} {f.How} at {f.At.TotalMilliseconds:0} ms" : "-";
            sb.AppendLine(CultureInfo.InvariantCulture, $"{r.Name.PadRight(idWidth)}  {JsonReport.RunName(r).PadRight(variantWidth)}  {Verdict(r),-8}  {r.Duration.TotalSeconds,6:0.00} s  {first}");
        }
        var met = results.Count(r => r.Outcome == Outcome.Met);
        sb.AppendLine(CultureInfo.InvariantCulture, $"{met} of {results.Count} runs met their expectation.");
        return sb.ToString();
    }
}
