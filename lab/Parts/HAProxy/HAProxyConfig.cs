using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>
/// Renders haproxy.cfg: fills <c>{{placeholders}}</c> (the lab's template, nginx/templates/haproxy.cfg, or a user's),
/// and makes a user's config the lab's: its own <c>log</c> targets, <c>daemon</c>, <c>pidfile</c>, <c>chroot</c>,
/// <c>user</c>, <c>group</c> and <c>stats socket</c> lines are commented out in place, and the lab's log target is in a
/// file of the lab's own that HAProxy reads first, so every line keeps its number and HAProxy's messages still name
/// the user's lines. Pure text in, text out: tested without HAProxy.
/// </summary>
internal static partial class HAProxyConfig
{
    /// <summary>The lab's own template, embedded in the assembly.</summary>
    public static string LabTemplate()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("nginx/templates/haproxy.cfg")
            ?? throw new InvalidOperationException("the HAProxy template is not embedded in the lab assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The values of the lab template for <paramref name="options"/>.</summary>
    public static Dictionary<string, string> Values(HAProxyOptions options, string listen, string upstream, string logTarget)
    {
        var defaults = new List<string>();
        if (options.ServerClose) defaults.Add("    option http-server-close");
        if (options.AbortOnClose) defaults.Add("    option abortonclose");
        return new Dictionary<string, string>
        {
            ["listen"] = listen,
            ["upstream"] = upstream,
            ["log"] = LogTarget(logTarget),
            ["timeout_connect"] = Duration(options.TimeoutConnect),
            ["timeout_client"] = Duration(options.TimeoutClient),
            ["timeout_server"] = Duration(options.TimeoutServer),
            ["timeout_http_keep_alive"] = Duration(options.TimeoutHttpKeepAlive),
            ["options"] = string.Join('\n', defaults),
            ["backend_options"] = $"    http-reuse {options.HttpReuse}",
        };
    }

    /// <summary>The log target of the part's socket (<c>abns@NAME</c>): raw messages (no syslog header), at info and above.</summary>
    public static string LogTarget(string target) => $"{target} format raw local0 info";

    /// <summary>The placeholders of <paramref name="template"/> outside comments, in order of appearance.</summary>
    public static IReadOnlyList<string> Placeholders(string template) =>
        [.. template.Split('\n').SelectMany(line => Placeholder().Matches(line[..CodeLength(line)]).Select(m => m.Groups[1].Value)).Distinct()];

    /// <summary>Fills every placeholder outside comments; an unknown one is an error (a typo would otherwise reach HAProxy).</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values) =>
        string.Join('\n', template.Split('\n').Select(line =>
        {
            var code = CodeLength(line);
            return Placeholder().Replace(line[..code], m => values.TryGetValue(m.Groups[1].Value, out var v)
                ? v
                : throw new HAProxyConfigException($"unknown placeholder {{{{{m.Groups[1].Value}}}}} (known: {string.Join(", ", values.Keys.Select(k => $"{{{{{k}}}}}"))})")) + line[code..];
        }));

    /// <summary>
    /// A user's rendered config made the lab's (see the class): the directives the lab owns are commented out in place, a
    /// <c>log</c> target of a proxy section becomes <c>log global</c> (the lab's), and every line keeps its number.
    /// <paramref name="notes"/> gets one line per directive taken over, naming its line.
    /// </summary>
    public static string Adopt(string rendered, List<string> notes)
    {
        var lines = rendered.Split('\n');
        var section = "";
        for (var i = 0; i < lines.Length; i++)
        {
            var code = lines[i][..CodeLength(lines[i])];
            if (Section().Match(code) is { Success: true } s)
            {
                section = s.Groups[1].Value;
                continue;
            }
            if (Owned().Match(code) is not { Success: true } owned) continue;
            var directive = owned.Groups[1].Value;
            if (directive == "log" && LogGlobal().IsMatch(code)) continue;
            notes.Add($"line {i + 1}: '{code.Trim()}' taken over by the lab ({Why(directive)})");
            lines[i] = directive == "log" && section != "global"
                ? $"    log global  # (the lab's log target; was: {code.Trim()})"
                : "# (taken over by the lab) " + lines[i];
        }
        return string.Join('\n', lines);
    }

    /// <summary>
    /// The lab's own file, given to HAProxy before the user's (<c>-f LAB -f USER</c>; HAProxy merges <c>global</c>
    /// sections): the log target of the part's socket.
    /// </summary>
    public static string LabGlobal(string logTarget) =>
        $"# The lab's global settings, merged with the config's own.\nglobal\n    log {LogTarget(logTarget)}\n    httpclient.ssl.verify none\n";

    private static string Why(string directive) => directive switch
    {
        "log" => "the lab reads HAProxy's log through its own socket",
        "stats socket" => "a fixed socket path outside the run dir",
        _ => "HAProxy runs in the foreground in the run dir, as the lab's user",
    };

    /// <summary>HAProxy time syntax: milliseconds ("2000ms"), which every timeout takes.</summary>
    public static string Duration(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalMilliseconds}ms");

    /// <summary>Where a line's comment starts: the first '#' outside quotes, or the line's end.</summary>
    private static int CodeLength(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
            }
            else if (c is '"' or '\'') quote = c;
            else if (c == '\\') i++;
            else if (c == '#') return i;
        }
        return line.Length;
    }

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s*(global|defaults|frontend|backend|listen|resolvers|peers|userlist|program|http-errors|ring|cache|mailers)\b")]
    private static partial Regex Section();

    [GeneratedRegex(@"^\s*(log|daemon|pidfile|chroot|user|group|uid|gid|stats socket|master-worker)\b")]
    private static partial Regex Owned();

    [GeneratedRegex(@"^\s*log\s+global\s*$")]
    private static partial Regex LogGlobal();
}
