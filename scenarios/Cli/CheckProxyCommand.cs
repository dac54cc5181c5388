using System.Globalization;
using System.Text;
using System.Text.Json;
using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Reports;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// <c>check-proxy --config FILE</c>: runs the proxy checks against a team's own nginx config template and prints a
/// pass/fail table. Exit code 0 all passed, 1 a check failed, 2 unusable input (with nginx's own message).
/// </summary>
public sealed class CheckProxyCommand(TextWriter stdout, TextWriter stderr)
{
    public const string Usage = "check-proxy --config FILE [--long-response 90s] [--stream-gap 5s] [--upstream-idle 2s] [--slow-client-rate 262144] [--nginx PATH | --image IMAGE] [--json FILE]";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var (config, options, json) = Parse(args);
        try
        {
            await NginxProxy.ValidateAsync(config, options.NginxPath, options.NginxImage, cancellationToken);
        }
        catch (Exception e) when (e is NginxConfigException or RuntimeMissingException)
        {
            throw new CliException(e.Message);
        }
        var longest = new[] { options.LongResponse, 2 * options.StreamGap, TimeSpan.FromSeconds(2 * 1024 * 1024 / options.SlowClientBytesPerSecond) }.Max();
        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"checking {config}: 5 checks side by side, about {longest.TotalSeconds:0} s …"));
        IReadOnlyList<ProxyCheckResult> results;
        try
        {
            results = await ProxyChecks.RunAllAsync(config, options, cancellationToken);
        }
        catch (NginxConfigException e)
        {
            throw new CliException(e.Message);
        }
        await stdout.WriteAsync(Table(config, results));
        if (json is not null)
        {
            var text = Json(results);
            if (json == "-") await stdout.WriteLineAsync(text);
            else await File.WriteAllTextAsync(json, text + Environment.NewLine, cancellationToken);
        }
        return results.All(r => r.Passed) ? 0 : 1;
    }

    private static (string Config, ProxyCheckOptions Options, string? Json) Parse(IReadOnlyList<string> args)
    {
        string? config = null;
        string? json = null;
        var options = new ProxyCheckOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            string Value()
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new CliException($"{a} needs a value");
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
                case "--nginx":
                    options = options with { NginxPath = Value() };
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
        return (config, options, json);
    }

    private static string Table(string config, IReadOnlyList<ProxyCheckResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"proxy checks for {config}");
        var width = results.Max(r => r.Name.Length);
        foreach (var r in results)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {(r.Passed ? "PASS" : "FAIL")}  {r.Name.PadRight(width)}  {r.Duration.TotalSeconds,6:0.0} s  {r.Description}");
            sb.AppendLine(CultureInfo.InvariantCulture, $"        {"".PadRight(width)}            observed: {r.Observed}{(r.Error is null ? "" : $" ({r.Error})")}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"{results.Count(r => r.Passed)} of {results.Count} checks passed.");
        return sb.ToString();
    }

    private static string Json(IReadOnlyList<ProxyCheckResult> results)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (var r in results)
            {
                w.WriteStartObject();
                w.WriteString("check", r.Name);
                w.WriteString("description", r.Description);
                w.WriteBoolean("passed", r.Passed);
                w.WriteString("observed", r.Observed);
                w.WriteNumber("durationMs", JsonReport.Ms(r.Duration));
                if (r.Error is null) w.WriteNull("error");
                else w.WriteString("error", r.Error);
                JsonReport.WriteEvents(w, r.Events);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
