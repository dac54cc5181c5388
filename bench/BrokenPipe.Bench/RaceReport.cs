using System.Globalization;
using System.Text;

namespace BrokenPipe.Bench;

/// <summary>The race mode's results as plain text (stdout) and as markdown (<c>--out</c>).</summary>
public sealed class RaceReport(RaceResult result, string commandLine)
{
    private readonly IReadOnlyList<RaceTrial> _done = result.Completed;

    private IReadOnlyList<RaceTrial> Hits => [.. _done.Where(t => t.Hit)];

    private string Setup =>
        $"Kestrel KeepAliveTimeout {KeepaliveRace.KestrelKeepAlive.TotalSeconds:0} s behind nginx (upstream keepalive {KeepaliveRace.NginxKeepalive}, " +
        "keepalive_timeout 60 s); request B sent at the predicted close tick + δ";

    public string Text()
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine($"BrokenPipe.Bench: keep-alive race, measured ({Report.Machine})");
        sb.AppendLine(Setup);
        sb.AppendLine();
        foreach (var (name, value) in Facts()) sb.AppendLine($"{name,-10} {value}");
        sb.AppendLine();
        var rows = DeltaRows();
        var widths = DeltaHeaders.Select((h, i) => rows.Select(r => r[i].Length).Prepend(h.Length).Max()).ToArray();
        string Line(IReadOnlyList<string> c) => "  " + string.Join("  ", c.Select((x, i) => x.PadLeft(widths[i])));
        sb.AppendLine(Line(DeltaHeaders));
        foreach (var r in rows) sb.AppendLine(Line(r));
        sb.AppendLine();
        if (Example() is { } example)
        {
            sb.AppendLine($"one hit ({example.Title}):");
            sb.AppendLine($"  {example.Line}");
            sb.AppendLine();
        }
        if (FirstError() is { } error) sb.AppendLine($"first error: {error}");
        sb.AppendLine(Summary());
        return sb.ToString();
    }

    public string Markdown()
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Keep-alive race, measured");
        sb.AppendLine();
        sb.AppendLine($"Last run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, `{commandLine}`.  ");
        sb.AppendLine($"Machine: {Report.Machine}.  ");
        sb.AppendLine($"{Setup}.");
        sb.AppendLine();
        sb.AppendLine("| | |");
        sb.AppendLine("|---|---|");
        foreach (var (name, value) in Facts()) sb.AppendLine($"| {name} | {Report.Escape(value)} |");
        sb.AppendLine();
        sb.AppendLine($"| {string.Join(" | ", DeltaHeaders)} |");
        sb.AppendLine($"|{string.Concat(DeltaHeaders.Select(_ => "--:|"))}");
        foreach (var r in DeltaRows()) sb.AppendLine($"| {string.Join(" | ", r)} |");
        sb.AppendLine();
        if (Example() is { } example)
        {
            sb.AppendLine($"One hit ({example.Title}), nginx's error log:");
            sb.AppendLine();
            sb.AppendLine("```");
            sb.AppendLine(example.Line);
            sb.AppendLine("```");
            sb.AppendLine();
        }
        if (FirstError() is { } error) sb.AppendLine($"First error: {Report.Escape(error)}").AppendLine();
        sb.AppendLine($"**{Report.Escape(Summary())}**");
        sb.AppendLine();
        sb.AppendLine("See bench/README.md (\"Keep-alive race, measured\") for how to read this.");
        return sb.ToString();
    }

    private static readonly string[] DeltaHeaders = ["δ ms", "trials", "early", "hits", "late", "B − tick ms"];

    /// <summary>Per δ: trials, misses before the window (early), hits, misses after it (late), and where B really went (median).</summary>
    private List<string[]> DeltaRows() =>
    [
        .. _done.GroupBy(t => t.DeltaMs).OrderBy(g => g.Key).Select(g => new[]
        {
            Signed(g.Key, "0.00"),
            Count(g.Count()),
            Count(g.Count(t => !t.Hit && t.Served == BServed.PooledConnection)),
            Count(g.Count(t => t.Hit)),
            Count(g.Count(t => !t.Hit && t.Served != BServed.PooledConnection)),
            g.Where(t => t.ActualMs is not null).Select(t => t.ActualMs!.Value).ToList() is { Count: > 0 } actual ? Signed(Stats.Median(actual), "0.00") : "-",
        }),
    ];

    private IEnumerable<(string Name, string Value)> Facts()
    {
        var n = _done.Count;
        var hits = Hits;
        var deltas = KeepaliveRace.Deltas;
        yield return ("trials", $"{n} of {result.TrialsAsked} completed (δ {Signed(deltas[0], "0.00")} … {Signed(deltas[^1], "0.00")} ms in 0.25 ms steps, GET and POST alternately)");
        yield return ("hits", $"{hits.Count} ({Percent(hits.Count, n)}): nginx logged \"upstream prematurely closed connection\" (or a reset) for B" +
                              (hits.Any(h => h.HitKind == EventKind.ProxyUpstreamReset) ? $"; {hits.Count(h => h.HitKind == EventKind.ProxyUpstreamReset)} of them a reset" : ""));
        var gets = hits.Where(h => h.Method == "GET").ToList();
        var posts = hits.Where(h => h.Method == "POST").ToList();
        yield return ("GET hits", $"{gets.Count}: {gets.Count(h => h.RetriedGet)} retried by nginx (client 200, upstream statuses \"502, 200\")" + Other(gets.Where(h => !h.RetriedGet)));
        yield return ("POST hits", $"{posts.Count}: {posts.Count(h => h.Post502)} answered 502 Bad Gateway" + Other(posts.Where(h => !h.Post502)));
        var early = _done.Count(t => !t.Hit && t.Served == BServed.PooledConnection);
        yield return ("misses", $"{n - hits.Count}: {early} early (Kestrel served B on the pooled connection), {n - hits.Count - early} late (nginx had dropped it and used a new one)");
        var placed = hits.Where(h => h.ActualMs is not null).Select(h => h.ActualMs!.Value).Order().ToList();
        if (placed.Count > 0)
        {
            // Where the hits really went out, relative to the close tick as it came: every one, or quartiles when many.
            var where = placed.Count <= 12
                ? string.Join(", ", placed.Select(x => Signed(x, "0.00")))
                : $"min {Signed(placed[0], "0.00")}, quartiles {string.Join(" / ", new[] { 25, 50, 75 }.Select(p => Signed(Stats.Percentile(placed, p), "0.00")))}, max {Signed(placed[^1], "0.00")}";
            yield return ("window", $"hits at B − tick (as it came): {where} ms");
        }
        var errors = _done.Where(t => t.PredictionErrorMs is not null).Select(t => t.PredictionErrorMs!.Value).ToList();
        var late = _done.Where(t => t.LateMs is not null).Select(t => t.LateMs!.Value).ToList();
        yield return ("heartbeat", $"period {result.PeriodMs.ToString("0.00", CultureInfo.InvariantCulture)} ms; close tick as it came − predicted: " +
                                   (errors.Count == 0 ? "-" : $"median {Signed(Stats.Median(errors), "0.00")} ms, |…| p90 {Stats.Percentile(errors.Select(Math.Abs).ToList(), 90).ToString("0.00", CultureInfo.InvariantCulture)} ms") +
                                   (late.Count == 0 ? "" : $"; B sent late by > 0.1 ms: {late.Count(l => l > 0.1)}"));
        if (result.Control is { } c)
        {
            yield return ("control", $"{c.Requests} requests {c.SpacingMs / 1000:0.0} s apart (naive spacing): {c.Hits} hit{(c.Hits == 1 ? "" : "s")}, {c.Status502} × 502");
        }
    }

    private (string Title, string Line)? Example()
    {
        // A POST hit if there is one: it is the one a client sees.
        var hit = Hits.OrderBy(h => h.Method == "POST" ? 0 : 1).ThenBy(h => h.Index).FirstOrDefault(h => h.NginxLine is not null);
        return hit is null ? null : ($"trial {hit.Index}, {hit.Method}, δ {Signed(hit.DeltaMs, "0.00")} ms, client {(hit.ClientStatus is { } s ? $"HTTP {s}" : "no response")}", hit.NginxLine!);
    }

    private string? FirstError()
    {
        var trial = result.Trials.FirstOrDefault(t => t.Error is not null);
        if (trial is not null) return $"trial {trial.Index}: {trial.Error}";
        return result.Control?.Error is { } e ? $"control: {e}" : result.Stopped;
    }

    private string Summary()
    {
        var facts = $"{Hits.Count} hit{(Hits.Count == 1 ? "" : "s")} in {_done.Count} timed trials ({Percent(Hits.Count, _done.Count)})" +
                    (result.Control is { } c ? $", {c.Hits} in {c.Requests} control requests" : "");
        var errors = result.Errors;
        return result.Failed
            ? $"summary: {facts}; {errors} error{(errors == 1 ? "" : "s")}{(result.Stopped is null ? "" : $", {result.Stopped}")}"
            : $"summary: {facts}; no errors";
    }

    private static string Other(IEnumerable<RaceTrial> trials)
    {
        var other = trials.ToList();
        return other.Count == 0 ? "" : $", {other.Count} other ({string.Join("; ", other.Select(t => $"trial {t.Index}: client {(t.ClientStatus is { } s ? $"HTTP {s}" : t.ClientProblem ?? "nothing")}, upstream statuses \"{string.Join(", ", t.UpstreamStatuses)}\""))})";
    }

    private static string Percent(int part, int whole) => whole == 0 ? "-" : (100.0 * part / whole).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string Count(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Signed(double value, string format) => (value > 0 ? "+" : "") + value.ToString(format, CultureInfo.InvariantCulture);
}
