using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// Renders nginx configs: fills <c>{{placeholders}}</c>, then takes over the directives the lab must own to read
/// what nginx saw — the error log (at info, where the client-side lines are), an access log in the lab's format,
/// the temp paths — and comments out the config's own pid, daemon, user, error_log and access_log lines.
/// Pure text in, text out: tested without nginx.
/// </summary>
internal static partial class NginxConfig
{
    /// <summary>The access-log format the parser reads.</summary>
    public const string AccessLogFormat = "'$status $upstream_status $request_time $upstream_response_time $connection $bytes_sent \"$request\"'";

    /// <summary>The lab's own template, nginx/templates/proxy.conf, embedded in the assembly.</summary>
    public static string LabTemplate()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("nginx/templates/proxy.conf")
            ?? throw new InvalidOperationException("the nginx template is not embedded in the lab assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The placeholders of <paramref name="template"/>, in order of appearance.</summary>
    public static IReadOnlyList<string> Placeholders(string template) =>
        [.. Code(template).SelectMany(line => Placeholder().Matches(line).Select(m => m.Groups[1].Value)).Distinct()];

    /// <summary>Fills every placeholder outside comments; an unknown one is an error (a typo would otherwise reach nginx).</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> values) =>
        string.Join('\n', template.Split('\n').Select(line =>
        {
            var code = CodeLength(line);
            return Placeholder().Replace(line[..code], m => values.TryGetValue(m.Groups[1].Value, out var v)
                ? v
                : throw new NginxConfigException($"unknown placeholder {{{{{m.Groups[1].Value}}}}} (known: {string.Join(", ", values.Keys.Select(k => $"{{{{{k}}}}}"))})")) + line[code..];
        }));

    private static IEnumerable<string> Code(string template) => template.Split('\n').Select(line => line[..CodeLength(line)]);

    /// <summary>Where a line's comment starts: the first '#' outside quotes (nginx's own rule), or the line's end.</summary>
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
            else if (c == '#') return i;
        }
        return line.Length;
    }

    /// <summary>The values of the lab template for <paramref name="options"/>.</summary>
    public static Dictionary<string, string> Values(NginxOptions options, string listen, string upstream)
    {
        var keepalive = options.UpstreamKeepalive > 0;
        return new Dictionary<string, string>
        {
            ["listen"] = listen,
            ["upstream"] = upstream,
            ["proxy_read_timeout"] = Duration(options.ProxyReadTimeout),
            ["proxy_send_timeout"] = Duration(options.ProxySendTimeout),
            ["proxy_connect_timeout"] = Duration(options.ProxyConnectTimeout),
            ["proxy_ignore_client_abort"] = options.IgnoreClientAbort ? "on" : "off",
            ["proxy_buffering"] = options.Buffering ? "on" : "off",
            ["proxy_http_version"] = keepalive ? "1.1" : "1.0",
            ["proxy_connection_header"] = keepalive ? "\"\"" : "close",
            ["upstream_keepalive"] = keepalive ? $"keepalive {options.UpstreamKeepalive};\n        keepalive_timeout {Duration(options.UpstreamKeepaliveTimeout)};" : "",
            ["client_keepalive_timeout"] = Duration(options.ClientKeepaliveTimeout),
        };
    }

    /// <summary>nginx time syntax: whole seconds as "2s", anything finer as "1500ms".</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalMilliseconds % 1000 == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalSeconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalMilliseconds}ms");

    /// <summary>
    /// Makes a rendered config the lab's: a full config (with an <c>http</c> block) gets the lab's directives
    /// inserted; a fragment (server blocks) is wrapped in a minimal main context. The lines keep their numbers: the
    /// main-context directives go at the start of line 1 and the http ones on the <c>http {</c> line, so that nginx's
    /// line numbers still name the user's lines.
    /// </summary>
    public static string Adopt(string rendered, NginxPaths paths, bool runAsRoot)
    {
        // Every line of a taken-over directive is commented out (a directive may span lines).
        var text = Owned().Replace(rendered, m => m.Groups[1].Value + "# (taken over by the lab) " + m.Groups[2].Value.Replace("\n", "\n# "));
        var http = new StringBuilder()
            .Append($" log_format brokenpipe_lab {AccessLogFormat};")
            .Append($" access_log {Quote(paths.AccessLog)} brokenpipe_lab;")
            .Append($" client_body_temp_path {Quote(paths.Temp + "/client_body")};")
            .Append($" proxy_temp_path {Quote(paths.Temp + "/proxy")};")
            .Append($" fastcgi_temp_path {Quote(paths.Temp + "/fastcgi")};")
            .Append($" uwsgi_temp_path {Quote(paths.Temp + "/uwsgi")};")
            .Append($" scgi_temp_path {Quote(paths.Temp + "/scgi")};")
            .ToString();
        var main = new StringBuilder();
        if (runAsRoot) main.Append("user root; ");
        main.Append($"error_log {Quote(paths.ErrorLog)} info; ");

        var statements = NginxParser.Parse(text);
        var httpBlock = statements.FirstOrDefault(s => s.OpensBlock && s.Parent == -1 && s.Name == "http");
        if (httpBlock is not null)
        {
            text = text.Insert(httpBlock.End, http);
            if (!statements.Any(s => s.OpensBlock && s.Parent == -1 && s.Name == "events")) main.Append("events { worker_connections 512; } ");
            return main + text;
        }
        main.Append("events { worker_connections 512; } ");
        return $"{main}http {{{http} {text}\n}}\n";
    }

    /// <summary>
    /// What <see cref="Adopt"/> adds to a user's config, one line each, so that the output lists every change the lab
    /// makes: the wrapping http block of a bare server block, an events block, the lab's logs, the run as root.
    /// </summary>
    public static IReadOnlyList<string> Additions(string rendered, bool runAsRoot)
    {
        var statements = NginxParser.Parse(rendered);
        var full = statements.Any(s => s.OpensBlock && s.Parent == -1 && s.Name == "http");
        var notes = new List<string>();
        if (!full) notes.Add("added: an http { } block around the file, which is a bare server block (its lines keep their numbers)");
        if (!full || !statements.Any(s => s.OpensBlock && s.Parent == -1 && s.Name == "events")) notes.Add("added: events { worker_connections 512; }, which nginx needs and the config does not have");
        notes.Add("added: the lab's error log (at info) and access log (its own format), which the checks read");
        if (runAsRoot) notes.Add("added: user root, because the lab runs as root and nginx's workers must read the run dir");
        return notes;
    }

    /// <summary>A path as an nginx string: double-quoted, so that spaces in the run dir do not split it.</summary>
    public static string Quote(string path) => "\"" + path.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"(?m)^(\s*)((?:pid|daemon|user|error_log|access_log)\s[^;]*;)")]
    private static partial Regex Owned();
}
