using System.Text;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// Makes a rendered user config safe to run many times side by side, and leaves nothing outside the run dir:
/// <list type="bullet">
/// <item>every <c>listen</c> other than the lab's is moved to a free 127.0.0.1 port (one per address it had, so that
/// virtual hosts still share it); a server block without any listen (nginx would bind *:80) gets one;</item>
/// <item>paths nginx would write — <c>*_cache_path</c>, <c>*_temp_path</c>, logs, pid — go into the run dir (the user's
/// own temp paths are accepted and replaced by the lab's);</item>
/// <item><c>ssl_certificate</c>/<c>_key</c> become the lab's (a throwaway certificate, or the user's own); other TLS files
/// that do not exist on this machine (dhparam, trusted CA, …) are set aside.</item>
/// </list>
/// Every change keeps the line count, so nginx's line numbers still map to the user's lines. Pure text: tested without nginx.
/// </summary>
internal static class NginxIsolation
{
    private static readonly string[] TempPaths = ["client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"];
    private static readonly string[] CachePaths = ["proxy_cache_path", "fastcgi_cache_path", "uwsgi_cache_path", "scgi_cache_path"];
    private static readonly string[] Owned = ["pid", "daemon", "user", "error_log", "access_log", "lock_file"];
    private static readonly string[] ModulePrefixes = ["/usr/share/nginx", "/usr/lib/nginx", "/etc/nginx", "/usr/local/nginx", "/usr/lib64/nginx"];
    private static readonly string[] TlsFiles = ["proxy_ssl_certificate", "proxy_ssl_certificate_key", "proxy_ssl_trusted_certificate", "proxy_ssl_crl", "ssl_dhparam", "ssl_trusted_certificate", "ssl_client_certificate", "ssl_crl", "ssl_stapling_file", "ssl_session_ticket_key", "ssl_password_file"];

    /// <summary>
    /// Isolates <paramref name="text"/> (already rendered, so the lab's listen reads <paramref name="labListen"/>).
    /// <paramref name="tls"/> is the certificate and key the lab's TLS listener uses; <paramref name="where"/> names a 1-based line for the notes ("conf.d/app.conf:12").
    /// </summary>
    public static NginxIsolated Isolate(string text, string labListen, NginxPaths paths, Func<int> freePort, (string Certificate, string Key) tls, Func<int, string>? where = null)
    {
        var (certificate, key) = tls;
        where ??= line => $"line {line}";
        var statements = NginxParser.Parse(text);
        var edits = new List<(int Start, int End, string Replacement)>();
        var notes = new List<string>();
        var moved = new Dictionary<string, string>(StringComparer.Ordinal);
        var listener = ProxyListener.Plain;
        var labServer = -1;
        var cache = 0;
        string At(NginxStatement s) => where(LineAt(text, s.Start));
        string Original(NginxStatement s) => string.Join(' ', s.Words);

        for (var i = 0; i < statements.Count; i++)
        {
            var s = statements[i];
            if (s.OpensBlock) continue;
            var parent = s.Parent >= 0 ? statements[s.Parent].Name : "";
            if (parent is "map" or "types" or "geo" or "split_clients" or "charset_map" or "match") continue; // entries, not directives
            if (s.Name == "listen" && parent == "server" && s.Words.Count >= 2)
            {
                if (s.Words[1] == labListen)
                {
                    labServer = s.Parent;
                    listener = listener with { Tls = listener.Tls || s.Words.Contains("ssl"), Http2 = listener.Http2 || s.Words.Contains("http2") };
                    if (s.Words.Contains("proxy_protocol")) listener = listener with { Unsupported = $"the PROXY protocol (listen … proxy_protocol, {At(s)})" };
                    if (s.Words.Contains("quic")) listener = listener with { Unsupported = $"HTTP/3 over QUIC (listen … quic, {At(s)})" };
                    continue;
                }
                var address = s.Words[1];
                if (!moved.TryGetValue(address, out var to))
                {
                    to = address.StartsWith("unix:", StringComparison.Ordinal)
                        ? $"unix:{Path.Combine(paths.Prefix, $"listen-{moved.Count + 1}.sock")}"
                        : $"127.0.0.1:{freePort()}";
                    moved[address] = to;
                }
                var kept = s.Words.Skip(2).Where(w => !w.StartsWith("ipv6only=", StringComparison.Ordinal));
                edits.Add(Rewrite(text, s, $"listen {Word(to)} {string.Join(' ', kept.Select(Word))};".Replace(" ;", ";", StringComparison.Ordinal)));
                notes.Add($"moved: listen {address} ({At(s)}) to {to}, so that runs side by side cannot collide");
            }
            else if (TempPaths.Contains(s.Name) || Owned.Contains(s.Name))
            {
                edits.Add(Neutralise(text, s));
                if (TempPaths.Contains(s.Name) || s.Name is "error_log" or "access_log" && s.Words.Skip(1).FirstOrDefault() is not ("off" or null))
                {
                    notes.Add($"taken over: {s.Name} ({At(s)}) is the lab's, in the run dir");
                }
            }
            else if (CachePaths.Contains(s.Name) && s.Words.Count >= 2)
            {
                var dir = Path.Combine(paths.Prefix, "cache", (++cache).ToString(System.Globalization.CultureInfo.InvariantCulture));
                edits.Add(Rewrite(text, s, $"{s.Name} {NginxConfig.Quote(dir)} {string.Join(' ', s.Words.Skip(2).Select(Word))};"));
                notes.Add($"taken over: {s.Name} {s.Words[1]} ({At(s)}) moved into the run dir, empty for every run");
            }
            else if (s.Name == "load_module" && s.Words.Count == 2 && !Path.IsPathRooted(s.Words[1]))
            {
                // Relative to nginx's compiled-in prefix, not the lab's run dir (-p): Debian's modules-enabled/*.conf.
                if (ModulePrefixes.Select(p => Path.Combine(p, s.Words[1])).FirstOrDefault(File.Exists) is { } module) edits.Add(Rewrite(text, s, $"load_module {Word(module)};"));
            }
            else if (s.Name is "ssl_certificate" or "ssl_certificate_key" && s.Words.Count == 2)
            {
                var path = s.Name == "ssl_certificate" ? certificate : key;
                if (s.Words[1] != path) edits.Add(Rewrite(text, s, $"{s.Name} {NginxConfig.Quote(path)};"));
            }
            else if (TlsFiles.Contains(s.Name) && s.Words.Count >= 2 && !s.Words[1].StartsWith('$') && !File.Exists(s.Words[1]))
            {
                edits.Add(Neutralise(text, s));
                notes.Add($"set aside: {Original(s)} ({At(s)}): the file is not on this machine");
            }
        }

        // A server block without any listen would bind *:80 (or *:8000): give it a port of its own.
        for (var i = 0; i < statements.Count; i++)
        {
            var s = statements[i];
            if (!s.OpensBlock || s.Name != "server" || s.Parent < 0 || statements[s.Parent].Name is not ("http" or "stream" or "mail")) continue;
            if (statements.Any(x => x.Parent == i && x.Name == "listen")) continue;
            var to = $"127.0.0.1:{freePort()}";
            edits.Add((s.End, s.End, $" listen {to};"));
            notes.Add($"moved: the server block at {At(s)} has no listen (nginx would bind port 80): it listens on {to}");
        }

        if (labServer >= 0)
        {
            var http = statements[labServer].Parent;
            bool InScope(NginxStatement x) => x.Parent == labServer || (http >= 0 && x.Parent == http);
            if (statements.Any(x => InScope(x) && x.Name == "http2" && x.Words.Skip(1).FirstOrDefault() == "on")) listener = listener with { Http2 = true, Http2Directive = true };
            if (statements.Any(x => x.Parent == labServer && x.Name == "ssl" && x.Words.Skip(1).FirstOrDefault() == "on")) listener = listener with { Tls = true };
            if (statements.FirstOrDefault(x => InScope(x) && x.Name == "ssl_verify_client" && x.Words.Skip(1).FirstOrDefault() == "on") is { } verify)
            {
                listener = listener with { Unsupported = $"client certificates (ssl_verify_client on, {At(verify)})" };
            }
            if (listener.Tls && !statements.Any(x => InScope(x) && x.Name == "ssl_certificate"))
            {
                var server = statements[labServer];
                edits.Add((server.End, server.End, $" ssl_certificate {NginxConfig.Quote(certificate)}; ssl_certificate_key {NginxConfig.Quote(key)};"));
            }
            if (listener.Tls) notes.Add($"TLS: the {{{{listen}}}} listener speaks {listener.Protocol}; its certificate is {(certificate.StartsWith(paths.Prefix, StringComparison.Ordinal) ? "a throwaway one the lab generates in the run dir" : certificate)}");
        }

        var sb = new StringBuilder(text);
        foreach (var (start, end, replacement) in edits.OrderByDescending(e => e.Start)) sb.Remove(start, end - start).Insert(start, replacement);
        return new NginxIsolated(sb.ToString(), notes, listener);
    }

    private static string Word(string w) => w.Length == 0 || w.Any(c => char.IsWhiteSpace(c) || c is ';' or '{' or '}' or '"' or '\'') ? NginxConfig.Quote(w) : w;

    /// <summary>Replaces a statement, keeping its line breaks after the new text so later lines keep their numbers.</summary>
    private static (int, int, string) Rewrite(string text, NginxStatement s, string replacement) =>
        (s.Start, s.End, replacement + new string('\n', text.AsSpan(s.Start, s.End - s.Start).Count('\n')));

    /// <summary>Comments a statement out when nothing else follows it on its line; otherwise removes it (keeping its line breaks).</summary>
    private static (int, int, string) Neutralise(string text, NginxStatement s)
    {
        var original = text[s.Start..s.End];
        var lineEnd = text.IndexOf('\n', s.End);
        var rest = text[s.End..(lineEnd < 0 ? text.Length : lineEnd)].TrimStart();
        return rest.Length == 0 || rest[0] == '#'
            ? (s.Start, s.End, "# (taken over by the lab) " + original.Replace("\n", "\n# ", StringComparison.Ordinal))
            : (s.Start, s.End, new string('\n', original.Count(c => c == '\n')));
    }

    private static int LineAt(string text, int offset)
    {
        var line = 1;
        for (var i = 0; i < offset; i++) if (text[i] == '\n') line++;
        return line;
    }
}
