using System.Globalization;
using System.Security;
using System.Text;
using System.Text.Json;
using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Reports;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// <c>check-proxy --config FILE</c>: runs the proxy checks against a team's own nginx config template and prints a
/// verdict table. Exit code 0: no check failed; 1: a check failed (a behaviour was seen to fail, never anything else);
/// 2: unusable input (one line on stderr), or no check was exercised.
/// </summary>
public sealed class CheckProxyCommand(TextWriter stdout, TextWriter stderr)
{
    /// <summary>The command's usage line.</summary>
    public const string Usage = "check-proxy --config FILE [--path /] [--host NAME] [--only CHECK,…] [--long-response 90s] [--stream-gap 5s] [--upstream-idle 2s] [--upstream-max-requests N] [--slow-client-rate 262144] [--websocket-idle 30s] [--upload-size 1m] [--cert FILE --key FILE] [--nginx PATH | --image IMAGE] [--json FILE|-] [--junit FILE]";

    private sealed record Request(string Config, ProxyCheckOptions Options, string? Json, string? Junit);

    /// <summary>Runs the command; returns the exit code (a <see cref="CliException"/> means exit code 2).</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var request = Parse(args);
        var (config, options) = (request.Config, request.Options);
        // With --json -, stdout carries the JSON only: everything for people goes to stderr.
        var table = request.Json == "-" ? stderr : stdout;
        NginxConfigReport report;
        try
        {
            report = await NginxProxy.ValidateAsync(options.NginxOptionsFor(config), cancellationToken);
        }
        catch (Exception e) when (e is NginxConfigException or RuntimeMissingException)
        {
            throw new CliException(OneLine(e.Message));
        }
        var names = ProxyChecks.Names.Where(n => options.Only is null || options.Only.Contains(n)).ToList();
        var durations = new Dictionary<string, TimeSpan>
        {
            [ProxyChecks.LongResponseName] = options.LongResponse,
            [ProxyChecks.StreamingGapsName] = 3 * options.StreamGap,
            [ProxyChecks.WebSocketIdleName] = options.WebSocketIdle > options.LongResponse ? options.WebSocketIdle : options.LongResponse,
            [ProxyChecks.SlowClientName] = TimeSpan.FromSeconds(2 * 1024 * 1024 / options.SlowClientBytesPerSecond),
            [ProxyChecks.KeepAliveReuseName] = options.KeepAliveRequests * (1.1 * options.UpstreamIdleTimeout + TimeSpan.FromMilliseconds(200)),
        };
        var longest = names.Select(n => durations.GetValueOrDefault(n, TimeSpan.FromSeconds(2))).Max();
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"checking {config} with {report.NginxVersion}, listener {report.Listener.Protocol}: {names.Count} checks side by side, about {longest.TotalSeconds:0} s …"));
        IReadOnlyList<ProxyCheckResult> results;
        try
        {
            results = await ProxyChecks.RunAllAsync(config, options, cancellationToken);
        }
        catch (NginxConfigException e)
        {
            throw new CliException(OneLine(e.Message));
        }
        var overall = results.Any(r => r.Verdict == ProxyCheckVerdict.Fail) ? "fail"
            : results.All(r => r.Verdict == ProxyCheckVerdict.NotExercised) ? "not-exercised"
            : "pass";
        await table.WriteAsync(Table(config, report, results));
        if (request.Json is { } json)
        {
            var text = Json(config, report, options, overall, results);
            if (json == "-") await stdout.WriteLineAsync(text);
            else await File.WriteAllTextAsync(json, text + Environment.NewLine, cancellationToken);
        }
        if (request.Junit is { } junit) await File.WriteAllTextAsync(junit, Junit(config, results), cancellationToken);
        return overall switch
        {
            "fail" => 1,
            "not-exercised" => throw new CliException(OneLine($"no check was exercised ({results[0].Observed}{(results[0].Error is { } error ? $": {error}" : "")})")),
            _ => 0,
        };
    }

    private static string OneLine(string message) => string.Join(' ', message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static Request Parse(IReadOnlyList<string> args)
    {
        string? config = null;
        string? json = null;
        string? junit = null;
        var options = new ProxyCheckOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1] != "-")) throw new CliException($"{a} needs a value");
                return args[++i];
            }

            switch (a)
            {
                case "--config":
                    config = Value();
                    break;
                case "--json":
                    json = Value();
                    break;
                case "--junit":
                    junit = Value();
                    break;
                case "--nginx":
                    options = options with { NginxPath = Value() };
                    break;
                case "--path":
                    var path = Value();
                    options = options with { Path = path.StartsWith('/') && !path.Any(char.IsWhiteSpace) ? path : throw new CliException($"--path needs a path that starts with '/', not '{path}'") };
                    break;
                case "--host":
                    var host = Value();
                    options = options with { Host = host.Length > 0 && !host.Any(c => char.IsWhiteSpace(c) || c is '/' or '\r' or '\n') ? host : throw new CliException($"--host needs a host name, not '{host}'") };
                    break;
                case "--only":
                    var only = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                    var unknown = only.Where(n => !ProxyChecks.Names.Contains(n)).ToList();
                    if (unknown.Count > 0 || only.Count == 0) throw new CliException($"--only names checks: {string.Join(", ", ProxyChecks.Names)} (not '{string.Join(",", unknown)}')");
                    options = options with { Only = only };
                    break;
                case "--image":
                    options = options with { NginxImage = Value() };
                    break;
                case "--long-response":
                    options = options with { LongResponse = Durations.Parse(a, Value()) };
                    break;
                case "--stream-gap":
                    options = options with { StreamGap = Durations.Parse(a, Value()) };
                    break;
                case "--upstream-idle":
                    options = options with { UpstreamIdleTimeout = Durations.Parse(a, Value()) };
                    break;
                case "--websocket-idle":
                    options = options with { WebSocketIdle = Durations.Parse(a, Value()) };
                    break;
                case "--upstream-max-requests":
                    var max = Value();
                    options = options with { UpstreamMaxRequests = int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m >= 1 ? m : throw new CliException($"--upstream-max-requests needs a whole number of at least 1, not '{max}'") };
                    break;
                case "--upload-size":
                    options = options with { UploadBytes = Size(a, Value()) };
                    break;
                case "--cert":
                    options = options with { TlsCertificatePath = Existing(a, Value()) };
                    break;
                case "--key":
                    options = options with { TlsKeyPath = Existing(a, Value()) };
                    break;
                case "--slow-client-rate":
                    var rate = Value();
                    options = options with
                    {
                        SlowClientBytesPerSecond = double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r >= 1024
                            ? r
                            : throw new CliException($"--slow-client-rate needs bytes per second (at least 1024), not '{rate}'"),
                    };
                    break;
                default:
                    throw new CliException($"unknown option '{a}' for check-proxy (usage: {Usage})");
            }
        }
        if (config is null) throw new CliException($"check-proxy needs --config FILE (usage: {Usage})");
        if (!File.Exists(config)) throw new CliException($"no config file at {config}");
        if ((options.TlsCertificatePath is null) != (options.TlsKeyPath is null)) throw new CliException("--cert and --key go together: the certificate and its private key (PEM)");
        return new Request(config, options, json, junit);
    }

    private static string Existing(string option, string path) => File.Exists(path) ? path : throw new CliException($"{option}: no file at {path}");

    /// <summary>Sizes like nginx writes them: 1048576, 512k, 10m, 1g.</summary>
    private static long Size(string option, string text)
    {
        var (number, unit) = text.ToLowerInvariant() switch
        {
            var t when t.EndsWith('k') => (t[..^1], 1024L),
            var t when t.EndsWith('m') => (t[..^1], 1024L * 1024),
            var t when t.EndsWith('g') => (t[..^1], 1024L * 1024 * 1024),
            var t => (t, 1L),
        };
        return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n * unit <= 4L * 1024 * 1024 * 1024
            ? n * unit
            : throw new CliException($"{option} needs a size like 1048576, 512k or 10m (at most 4g), not '{text}'");
    }

    private static string Table(string config, NginxConfigReport report, IReadOnlyList<ProxyCheckResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"proxy checks for {config} ({report.NginxVersion}, listener {report.Listener.Protocol})");
        if (report.Notes.Count > 0) sb.AppendLine("  isolation (as checked by nginx -t; each check's nginx gets ports and a run dir of its own):");
        foreach (var note in report.Notes) sb.AppendLine(CultureInfo.InvariantCulture, $"    {note}");
        var width = results.Max(r => r.Name.Length);
        foreach (var r in results)
        {
            var verdict = r.Verdict switch
            {
                ProxyCheckVerdict.Pass => "PASS         ",
                ProxyCheckVerdict.Fail => "FAIL         ",
                _ => "NOT-EXERCISED",
            };
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {verdict}  {r.Name.PadRight(width)}  {r.Duration.TotalSeconds,6:0.0} s  {r.Description}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {"",13}  {"".PadRight(width)}            observed: {r.Observed}{(r.Error is null ? "" : $" ({r.Error})")}");
            foreach (var warning in r.Warnings) sb.AppendLine(CultureInfo.InvariantCulture, $"  {"",13}  {"".PadRight(width)}            warning: {warning}");
        }
        var notExercised = results.Count(r => r.Verdict == ProxyCheckVerdict.NotExercised);
        sb.AppendLine(CultureInfo.InvariantCulture, $"{results.Count(r => r.Passed)} of {results.Count} checks passed, {results.Count(r => r.Verdict == ProxyCheckVerdict.Fail)} failed, {notExercised} not exercised.");
        if (notExercised > 0) sb.AppendLine("not exercised: no verdict, because nothing the check could judge reached the lab's upstream; each observed line says what did (--path and --host choose what is requested).");
        var warnings = results.Sum(r => r.Warnings.Count);
        if (warnings > 0) sb.AppendLine(CultureInfo.InvariantCulture, $"{warnings} warning(s): not failures, but what a stricter peer than the lab's would reject, or why a verdict reads as it does.");
        return sb.ToString();
    }

    private static string Json(string config, NginxConfigReport report, ProxyCheckOptions options, string overall, IReadOnlyList<ProxyCheckResult> results)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("config", config);
            w.WriteString("nginx", report.NginxVersion);
            w.WriteString("listener", report.Listener.Protocol);
            w.WriteString("result", overall);
            w.WriteStartObject("options");
            w.WriteString("path", options.Path);
            if (options.Host is null) w.WriteNull("host");
            else w.WriteString("host", options.Host);
            w.WriteNumber("longResponseMs", JsonReport.Ms(options.LongResponse));
            w.WriteNumber("streamGapMs", JsonReport.Ms(options.StreamGap));
            w.WriteNumber("upstreamIdleMs", JsonReport.Ms(options.UpstreamIdleTimeout));
            w.WriteNumber("slowClientBytesPerSecond", options.SlowClientBytesPerSecond);
            w.WriteNumber("websocketIdleMs", JsonReport.Ms(options.WebSocketIdle));
            w.WriteNumber("uploadBytes", options.UploadBytes);
            w.WriteEndObject();
            w.WriteStartArray("isolation");
            foreach (var note in report.Notes) w.WriteStringValue(note);
            w.WriteEndArray();
            w.WriteStartArray("checks");
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("check", r.Name);
                w.WriteString("description", r.Description);
                w.WriteString("verdict", r.VerdictName);
                w.WriteBoolean("passed", r.Passed);
                w.WriteString("observed", r.Observed);
                w.WriteStartArray("warnings");
                foreach (var warning in r.Warnings) w.WriteStringValue(warning);
                w.WriteEndArray();
                if (r.Framing is null) w.WriteNull("framing");
                else w.WriteString("framing", r.Framing);
                w.WriteNumber("durationMs", JsonReport.Ms(r.Duration));
                if (r.Error is null) w.WriteNull("error");
                else w.WriteString("error", r.Error);
                JsonReport.WriteEvents(w, r.Events);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Junit(string config, IReadOnlyList<ProxyCheckResult> results)
    {
        static string X(string s) => SecurityElement.Escape(s) ?? "";
        var sb = new StringBuilder();
        sb.AppendLine("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<testsuite name=\"check-proxy {X(config)}\" tests=\"{results.Count}\" failures=\"{results.Count(r => r.Verdict == ProxyCheckVerdict.Fail)}\" skipped=\"{results.Count(r => r.Verdict == ProxyCheckVerdict.NotExercised)}\" time=\"{results.Max(r => r.Duration.TotalSeconds):0.000}\">");
        foreach (var r in results)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  <testcase classname=\"check-proxy\" name=\"{X(r.Name)}\" time=\"{r.Duration.TotalSeconds:0.000}\">");
            if (r.Verdict == ProxyCheckVerdict.Fail) sb.Append(CultureInfo.InvariantCulture, $"<failure message=\"{X(r.Observed)}\">{X(r.Description)}</failure>");
            if (r.Verdict == ProxyCheckVerdict.NotExercised) sb.Append(CultureInfo.InvariantCulture, $"<skipped message=\"not exercised: {X(r.Observed)}\"/>");
            sb.AppendLine("</testcase>");
        }
        sb.AppendLine("</testsuite>");
        return sb.ToString();
    }
}
