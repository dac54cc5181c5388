using System.Globalization;
using System.Net;
using System.Text;
using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Reports;

/// <summary>
/// The workshop page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched), readable
/// offline on a projector. A results table linking every run, then per scenario its story and its broken and
/// fixed runs side by side: the sequence diagram, the first disconnect, the checks, what the capture showed, and
/// the verbatim timeline.
/// </summary>
internal static class HtmlReport
{
    /// <summary>The page for <paramref name="runs"/>, titled <paramref name="title"/>.</summary>
    public static string Write(string title, IReadOnlyList<ReportRun> runs)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        sb.Append("<title>").Append(Esc(title)).Append("</title><style>").Append(Css).Append("</style></head><body>");
        sb.Append("<h1>").Append(Esc(title)).Append("</h1>");
        var met = runs.Count(r => r.Result.Outcome == Outcome.Met);
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"summary\">{met} of {runs.Count} runs met their expectation.</p>");

        sb.Append("<table class=\"results\"><thead><tr><th>scenario</th><th>variant</th><th>upstream</th><th>verdict</th><th>time</th><th>first disconnect</th></tr></thead><tbody>");
        foreach (var r in runs)
        {
            var res = r.Result;
            var first = res.FirstDisconnect is { } f ? string.Create(CultureInfo.InvariantCulture, $"{TimelineFormat.SideName(f.Side)} {f.How} at {f.At.TotalMilliseconds:0} ms") : "-";
            sb.Append(CultureInfo.InvariantCulture, $"<tr class=\"{OutcomeClass(res.Outcome)}\"><td><a href=\"#{r.Anchor}\">{Esc(res.Id)}</a></td><td>{Esc(JsonReport.RunName(res))}</td><td class=\"upstream\">{Esc(res.Upstream ?? "-")}</td><td class=\"verdict\">{TextReport.Verdict(res)}</td><td class=\"num\">{res.Duration.TotalSeconds:0.00} s</td><td>{Esc(first)}</td></tr>");
        }
        sb.Append("</tbody></table>");

        foreach (var group in runs.GroupBy(r => r.Scenario.Id))
        {
            var s = group.First().Scenario;
            sb.Append(CultureInfo.InvariantCulture, $"<section class=\"scenario\" id=\"scenario-{Esc(s.Id)}\"><h2>{Esc(s.Id)} — {Esc(s.Title)}</h2>");
            sb.Append("<dl class=\"story\">");
            Story(sb, "On the wire", s.Story.Wire);
            Story(sb, "Why", s.Story.Why);
            Story(sb, "How to diagnose it", s.Story.Diagnose);
            Story(sb, "The fix", s.Story.Fix);
            sb.Append("</dl><div class=\"variants\">");
            foreach (var r in group.OrderBy(r => r.Result.Variant).ThenBy(r => r.Result.Upstream, StringComparer.Ordinal)) Run(sb, r);
            sb.Append("</div></section>");
        }
        sb.Append("</body></html>");
        return sb.ToString();
    }

    private static void Run(StringBuilder sb, ReportRun run)
    {
        var r = run.Result;
        sb.Append(CultureInfo.InvariantCulture, $"<article class=\"run {OutcomeClass(r.Outcome)}\" id=\"{run.Anchor}\" data-variant=\"{JsonReport.VariantName(r.Variant)}\" data-upstream=\"{Esc(r.Upstream ?? "")}\"{(r.Proxy is { } proxy ? $" data-proxy=\"{Esc(proxy)}\"" : "")}>");
        var upstream = r.Upstream is { } u ? $" <span class=\"upstream\">{Esc(u)}</span>" : "";
        sb.Append(CultureInfo.InvariantCulture, $"<h3>{Esc(JsonReport.RunName(r))}{upstream} <span class=\"verdict\">{TextReport.Verdict(r)}</span> <span class=\"time\">{r.Duration.TotalSeconds:0.00} s</span></h3>");
        sb.Append("<p class=\"expected\">expected: ").Append(Esc(r.Expected)).Append("</p>");
        sb.Append("<p class=\"first\">first disconnect: <strong>").Append(Esc(TextReport.Describe(r.FirstDisconnect))).Append("</strong></p>");
        sb.Append("<div class=\"diagram\">").Append(SequenceDiagram.Render(r.Events, r.FirstDisconnect)).Append("</div>");
        sb.Append("<ul class=\"checks\">");
        foreach (var c in r.Checks) sb.Append(CultureInfo.InvariantCulture, $"<li class=\"{(c.Met ? "ok" : "fail")}\">{(c.Met ? "ok" : "FAIL")} — {Esc(c.Description)}</li>");
        sb.Append("</ul>");
        if (r.Error is not null) sb.Append("<p class=\"error\">error: ").Append(Esc(r.Error)).Append("</p>");
        if (r.Capture is { } capture)
        {
            sb.Append("<h4>On the wire (packet capture)</h4><pre class=\"wire\">");
            foreach (var line in capture.Lines) sb.Append(Esc(line)).Append('\n');
            sb.Append("</pre>");
        }
        sb.Append("<details><summary>the whole timeline (verbatim)</summary><pre>");
        foreach (var e in r.Events) sb.Append(Esc(TimelineFormat.Line(e))).Append('\n');
        sb.Append("</pre></details></article>");
    }

    private static void Story(StringBuilder sb, string title, string text) =>
        sb.Append("<dt>").Append(Esc(title)).Append("</dt><dd>").Append(Esc(text)).Append("</dd>");

    private static string OutcomeClass(Outcome o) => o switch
    {
        Outcome.Met => "met",
        Outcome.NotMet => "not-met",
        _ => "error",
    };

    private static string Esc(string s) => WebUtility.HtmlEncode(s);

    private const string Css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1a1a1a;background:#fff;font-size:17px}
        h1{font-size:28px;margin:0 0 8px}h2{font-size:23px;margin:40px 0 8px;border-bottom:2px solid #ddd;padding-bottom:4px}
        h3{font-size:20px;margin:0 0 6px}h3 .verdict{padding:2px 8px;border-radius:4px;color:#fff;background:#2e7d32;font-size:15px}
        .not-met h3 .verdict,.error h3 .verdict{background:#c62828}h3 .time{color:#666;font-weight:normal;font-size:15px}h3 .upstream{font-family:ui-monospace,monospace;font-size:15px;color:#1f5fbf}
        table.results{border-collapse:collapse;margin:12px 0}table.results td,table.results th{border:1px solid #ccc;padding:4px 10px;text-align:left}
        table.results tr.not-met td.verdict,table.results tr.error td.verdict{color:#c62828;font-weight:bold}table.results tr.met td.verdict{color:#2e7d32;font-weight:bold}
        td.num{text-align:right}
        dl.story dt{font-weight:bold;margin-top:8px}dl.story dd{margin:2px 0 0 16px;max-width:110ch}
        .variants{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:20px;margin-top:16px}
        article.run{border:1px solid #ccc;border-radius:8px;padding:12px;min-width:0}
        .diagram{overflow-x:auto}.diagram svg{max-width:100%;height:auto;font-size:13px}
        .expected{color:#444;font-size:15px}
        ul.checks{list-style:none;padding:0}ul.checks li.ok{color:#2e7d32}ul.checks li.fail{color:#c62828;font-weight:bold}
        .error{color:#c62828}pre{font-size:12px;overflow-x:auto}
        svg .lane-head{fill:#eef2f7;stroke:#8a9bb0}svg .side-client{fill:#e3f2fd}svg .side-proxy{fill:#fff3e0}svg .side-server{fill:#e8f5e9}
        svg .side-redis{fill:#fce4ec}svg .side-middlebox{fill:#f3e5f5}
        svg .lane-side{font-weight:bold;text-anchor:middle;font-size:15px}svg .lane-name{text-anchor:middle;font-size:13px;fill:#333}
        svg .lifeline{stroke:#9aa5b1;stroke-dasharray:4 4;stroke-width:1.5}
        svg .time{text-anchor:end;font-size:12px;fill:#555;font-family:ui-monospace,monospace}
        svg .arrow{stroke-width:2.5}svg .label{font-size:14px;text-anchor:middle;fill:#222}svg .label.note{text-anchor:start}
        svg .connect .arrow{stroke:#555;stroke-dasharray:6 3}svg .request .arrow{stroke:#1f5fbf}svg .response .arrow{stroke:#2e7d32}
        svg .fin .arrow{stroke:#b26a00;stroke-width:3.5}svg .rst .arrow{stroke:#c62828;stroke-width:3.5}svg .drop .arrow{stroke:#6a1b9a;stroke-dasharray:3 3}
        svg .fin .label,svg .rst .label{font-weight:bold}
        svg .cross{stroke:#c62828;stroke-width:3}svg .drop .cross{stroke:#6a1b9a}svg .failure .label{fill:#c62828;font-weight:bold}
        svg .dot{fill:#607d8b}svg .idle-band{fill:#f5f5f5;stroke:#bbb;stroke-dasharray:2 4}svg .idle-label{text-anchor:middle;font-style:italic;fill:#555;font-size:14px}
        svg .first-band{fill:#fff59d;opacity:.7}svg .first-label{text-anchor:end;font-weight:bold;fill:#8d6e00;font-size:14px}
        svg .mark:hover .label{text-decoration:underline}
        """;
}
