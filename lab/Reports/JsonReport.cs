using System.Text;
using System.Text.Json;
using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Reports;

/// <summary>
/// The JSON contract tools outside the project read — exactly these keys:
/// <c>{ id, variant, expected, outcome, durationMs, upstream, firstDisconnect: {side, atMs, how} | null,
/// events: [ {atMs, side, kind, failure, errno, detail} ], checks: [ {description, met} ], error: string | null }</c>;
/// one object per run, an array for several. <see cref="JsonResults"/> reads it back (<c>merge</c>).
/// </summary>
internal static class JsonReport
{
    public static string Write(IReadOnlyList<ScenarioResult> results)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            if (results.Count == 1)
            {
                WriteRun(w, results[0]);
            }
            else
            {
                w.WriteStartArray();
                foreach (var r in results) WriteRun(w, r);
                w.WriteEndArray();
            }
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string OutcomeName(Outcome outcome) => outcome switch
    {
        Outcome.Met => "met",
        Outcome.NotMet => "not-met",
        _ => "error",
    };

    public static string VariantName(Variant variant) => variant == Variant.Broken ? "broken" : "fixed";

    /// <summary>A run's variant and, for a proxy scenario, its proxy: "broken" or "broken, haproxy".</summary>
    public static string RunName(ScenarioResult r) => r.Proxy is { } proxy ? $"{VariantName(r.Variant)}, {proxy}" : VariantName(r.Variant);

    private static void WriteRun(Utf8JsonWriter w, ScenarioResult r)
    {
        w.WriteStartObject();
        w.WriteString("id", r.Id);
        w.WriteString("variant", VariantName(r.Variant));
        if (r.Proxy is { } proxy) w.WriteString("proxy", proxy);
        w.WriteString("expected", r.Expected);
        w.WriteString("outcome", OutcomeName(r.Outcome));
        w.WriteNumber("durationMs", Ms(r.Duration));
        if (r.Upstream is { } upstream) w.WriteString("upstream", upstream);
        else w.WriteNull("upstream");
        w.WritePropertyName("firstDisconnect");
        if (r.FirstDisconnect is { } first)
        {
            w.WriteStartObject();
            w.WriteString("side", TimelineFormat.SideName(first.Side));
            w.WriteNumber("atMs", Ms(first.At));
            w.WriteString("how", first.How);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNullValue();
        }
        WriteEvents(w, r.Events);
        w.WriteStartArray("checks");
        foreach (var c in r.Checks)
        {
            w.WriteStartObject();
            w.WriteString("description", c.Description);
            w.WriteBoolean("met", c.Met);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("error", r.Error);
        w.WriteEndObject();
    }

    /// <summary>The contract's <c>events</c> array: <c>{atMs, side, kind, failure, errno, detail}</c> per event.</summary>
    public static void WriteEvents(Utf8JsonWriter w, IEnumerable<LabEvent> events)
    {
        w.WriteStartArray("events");
        foreach (var e in events)
        {
            w.WriteStartObject();
            w.WriteNumber("atMs", Ms(e.At));
            w.WriteString("side", TimelineFormat.SideName(e.Side));
            w.WriteString("kind", TimelineFormat.KindName(e.Kind));
            if (e.Failure is { } f) w.WriteString("failure", SocketFailures.Name(f));
            else w.WriteNull("failure");
            if (e.Errno is { } n) w.WriteNumber("errno", n);
            else w.WriteNull("errno");
            w.WriteString("detail", e.Actor is null ? e.Detail : $"[{e.Actor}] {e.Detail}");
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    public static double Ms(TimeSpan t) => Math.Round(t.TotalMilliseconds, 1);
}
