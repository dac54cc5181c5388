using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// Finds the location of a user's config that serves one request (the <c>{{listen}}</c> server chosen by its
/// server_name, then nginx's location order: an exact match, the longest prefix unless a regex matches first, nested
/// locations inside the winner) and reads what the checks must know of it: the upstream protocol (grpc_pass,
/// uwsgi_pass, fastcgi_pass, scgi_pass are not HTTP/1.x), the cache, the auth subrequest and where it reaches the
/// upstream, and the upstream's HTTP version. Close to nginx's own rules, not all of them: a route it cannot read is
/// <see cref="ProxyRoute.Unknown"/>, and the checks then go by what the upstream received. Pure text: tested without nginx.
/// </summary>
internal static class NginxRoutes
{
    private const string ListenMark = "lab-listen.invalid:1";
    private const string UpstreamMark = "lab-upstream.invalid:2";

    private static readonly Dictionary<string, string> OtherProtocols = new(StringComparer.Ordinal)
    {
        ["grpc_pass"] = "gRPC over HTTP/2",
        ["uwsgi_pass"] = "the uwsgi protocol",
        ["fastcgi_pass"] = "FastCGI",
        ["scgi_pass"] = "SCGI",
        ["memcached_pass"] = "the memcached protocol",
    };

    /// <summary>The route of <paramref name="path"/> (Host <paramref name="host"/>) in the config template at <paramref name="templatePath"/>.</summary>
    public static ProxyRoute Find(string templatePath, string path, string host)
    {
        NginxSource source;
        string text;
        try
        {
            source = NginxSource.Load(templatePath);
            var values = NginxConfig.Placeholders(source.Text).ToDictionary(p => p, p => p == "listen" ? ListenMark : p == "upstream_unix" ? "unix:/lab-upstream.sock" : UpstreamMark);
            text = NginxConfig.Render(source.Text, values);
        }
        catch (NginxConfigException)
        {
            return ProxyRoute.Unknown; // the start itself reports what is wrong with the config
        }
        return Find(text, path, host, line => source.At(line)?.Where ?? $"line {line}");
    }

    /// <summary>The route of <paramref name="path"/> in a config whose lab listen reads <see cref="ListenMark"/>; <paramref name="where"/> names a 1-based line.</summary>
    internal static ProxyRoute Find(string text, string path, string host, Func<int, string> where)
    {
        var statements = NginxParser.Parse(text);
        string At(NginxStatement s) => where(LineAt(text, s.Start));
        var server = Server(statements, host);
        if (server < 0) return ProxyRoute.Unknown;
        path = path.Split('?')[0];
        var location = Location(statements, server, path);
        if (location < 0) return ProxyRoute.Unknown;
        var loc = statements[location];
        var route = new ProxyRoute { Where = $"location {string.Join(' ', loc.Words.Skip(1))} ({At(loc)})" };
        var pass = Pass(statements, location);
        if (pass is null && Fallback(statements, server, location) is { } next && next != location)
        {
            // try_files … /index.php?$args (or @app): nginx redirects internally, and that location talks to the upstream.
            location = next;
            loc = statements[location];
            route = route with { Where = $"{route.Where} → location {string.Join(' ', loc.Words.Skip(1))} ({At(loc)})" };
            pass = Pass(statements, location);
        }
        if (pass is not null && OtherProtocols.TryGetValue(pass.Name, out var protocol))
        {
            var tls = pass.Words.Skip(1).FirstOrDefault()?.StartsWith("grpcs://", StringComparison.Ordinal) == true ? " (over TLS)" : "";
            return route with { OtherProtocol = $"{pass.Name}: {protocol}{tls} ({At(pass)})" };
        }
        if (Inherited(statements, location, "proxy_cache") is { } cache && cache.Words.Skip(1).FirstOrDefault() is { } zone && zone != "off")
        {
            route = route with { Cache = $"proxy_cache {zone} ({At(cache)})" };
        }
        if (Inherited(statements, location, "auth_request") is { } auth && auth.Words.Skip(1).FirstOrDefault() is { } uri && uri != "off")
        {
            var (paths, known) = AuthPaths(statements, server, uri.Split('?')[0]);
            route = route with { AuthSubrequest = $"auth_request {uri} ({At(auth)})", AuthUpstreamPaths = paths, AuthPathsKnown = known };
        }
        if (pass is not null)
        {
            var version = Inherited(statements, location, "proxy_http_version");
            if (version?.Words.Skip(1).FirstOrDefault() is not "1.1")
            {
                route = route with
                {
                    UpstreamHttp10 = version is null
                        ? $"no proxy_http_version 1.1 for {route.Where}: nginx speaks HTTP/1.0 upstream by default"
                        : $"proxy_http_version {version.Words.Skip(1).FirstOrDefault()} ({At(version)})",
                };
            }
        }
        return route;
    }

    private static NginxStatement? Pass(IReadOnlyList<NginxStatement> statements, int location) =>
        statements.FirstOrDefault(s => s.Parent == location && !s.OpensBlock && (s.Name == "proxy_pass" || OtherProtocols.ContainsKey(s.Name)));

    /// <summary>The location a <c>try_files</c> falls back to (its last word: a URI, or a named location), or null.</summary>
    private static int? Fallback(IReadOnlyList<NginxStatement> statements, int server, int location)
    {
        var last = statements.LastOrDefault(s => s.Parent == location && !s.OpensBlock && s.Name == "try_files")?.Words.Skip(2).LastOrDefault();
        if (last is null || last.StartsWith('=')) return null;
        if (last.StartsWith('@'))
        {
            var named = Enumerable.Range(0, statements.Count).FirstOrDefault(i => statements[i].Parent == server && statements[i].OpensBlock && statements[i].Name == "location" && statements[i].Words.Skip(1).FirstOrDefault() == last, -1);
            return named < 0 ? null : named;
        }
        var uri = last.Split('?')[0];
        if (!uri.StartsWith('/') || uri.Contains('$')) return null;
        var found = Location(statements, server, uri);
        return found < 0 ? null : found;
    }

    /// <summary>Where the auth subrequest for <paramref name="uri"/> reaches the upstream: the URI itself, and what its location's proxy_pass makes of it.</summary>
    private static (IReadOnlyList<string> Paths, bool Known) AuthPaths(IReadOnlyList<NginxStatement> statements, int server, string uri)
    {
        var paths = new List<string> { uri };
        if (uri.Contains('$')) return (paths, false);
        var location = Location(statements, server, uri);
        if (location < 0) return (paths, false);
        var pass = statements.FirstOrDefault(s => s.Parent == location && !s.OpensBlock && s.Name == "proxy_pass");
        var url = pass?.Words.Skip(1).FirstOrDefault();
        if (url is null || url.Contains('$')) return (paths, false);
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var slash = url.IndexOf('/', scheme < 0 ? 0 : scheme + 3);
        if (slash < 0) return (paths, true); // no URI part: the subrequest's own URI goes upstream
        var part = url[slash..].Split('?')[0];
        var loc = statements[location].Words;
        var exact = loc.Count >= 3 && loc[1] == "=";
        var prefix = loc.Count >= 2 && !exact && loc[1] is not ("~" or "~*") ? loc[^1] : null;
        paths.Add(prefix is not null && uri.StartsWith(prefix, StringComparison.Ordinal) ? part + uri[prefix.Length..] : part);
        return (paths, true);
    }

    /// <summary>The server block of the lab's listen that answers <paramref name="host"/>: its server_name, else its default_server, else the first.</summary>
    private static int Server(IReadOnlyList<NginxStatement> statements, string host)
    {
        var servers = Enumerable.Range(0, statements.Count)
            .Where(i => statements[i].OpensBlock && statements[i].Name == "server" && statements.Any(s => s.Parent == i && s.Name == "listen" && s.Words.Skip(1).FirstOrDefault() == ListenMark))
            .ToList();
        if (servers.Count == 0) return -1;
        foreach (var i in servers)
        {
            var names = statements.Where(s => s.Parent == i && s.Name == "server_name").SelectMany(s => s.Words.Skip(1));
            if (names.Any(n => NameMatches(n, host))) return i;
        }
        return servers.FirstOrDefault(i => statements.Any(s => s.Parent == i && s.Name == "listen" && s.Words.Skip(1).FirstOrDefault() == ListenMark && s.Words.Contains("default_server")), servers[0]);
    }

    private static bool NameMatches(string name, string host)
    {
        if (name.StartsWith('~')) return SafeMatch(name[1..], host, ignoreCase: true);
        if (name.StartsWith("*.", StringComparison.Ordinal)) return host.EndsWith(name[1..], StringComparison.OrdinalIgnoreCase);
        if (name.StartsWith('.')) return host.Equals(name[1..], StringComparison.OrdinalIgnoreCase) || host.EndsWith(name, StringComparison.OrdinalIgnoreCase);
        return name.Equals(host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>nginx's order inside <paramref name="block"/>: exact, then the longest prefix (its nested locations first; ^~ stops there), then regexes in order.</summary>
    private static int Location(IReadOnlyList<NginxStatement> statements, int block, string path)
    {
        var locations = Enumerable.Range(0, statements.Count).Where(i => statements[i].Parent == block && statements[i].OpensBlock && statements[i].Name == "location").ToList();
        var prefix = -1;
        var prefixLength = -1;
        var stop = false;
        foreach (var i in locations)
        {
            var (modifier, uri) = Modifier(statements[i].Words);
            if (modifier == "=" && uri == path) return i;
            if (modifier is "" or "^~" && path.StartsWith(uri, StringComparison.Ordinal) && uri.Length > prefixLength)
            {
                (prefix, prefixLength, stop) = (i, uri.Length, modifier == "^~");
            }
        }
        var nested = prefix >= 0 ? Location(statements, prefix, path) : -1;
        if (stop) return nested >= 0 ? nested : prefix;
        foreach (var i in locations)
        {
            var (modifier, uri) = Modifier(statements[i].Words);
            if (modifier is "~" or "~*" && SafeMatch(uri, path, modifier == "~*"))
            {
                var inner = Location(statements, i, path);
                return inner >= 0 ? inner : i;
            }
        }
        return nested >= 0 ? nested : prefix;
    }

    private static (string Modifier, string Uri) Modifier(IReadOnlyList<string> words) => words.Count switch
    {
        >= 3 => (words[1], words[2]),
        2 when words[1].StartsWith('@') => ("@", words[1]),
        2 when words[1].StartsWith("=", StringComparison.Ordinal) && words[1].Length > 1 => ("=", words[1][1..]),
        2 => ("", words[1]),
        _ => ("@", ""),
    };

    private static bool SafeMatch(string pattern, string input, bool ignoreCase)
    {
        try
        {
            return Regex.IsMatch(input, pattern, ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None, TimeSpan.FromMilliseconds(100));
        }
        catch (Exception e) when (e is ArgumentException or RegexMatchTimeoutException)
        {
            return false; // a PCRE feature .NET does not have: no match, as if the location were not there
        }
    }

    /// <summary>The directive <paramref name="name"/> in effect at <paramref name="block"/>: its own, else the nearest enclosing block's.</summary>
    private static NginxStatement? Inherited(IReadOnlyList<NginxStatement> statements, int block, string name)
    {
        for (var b = block; ; b = statements[b].Parent)
        {
            var found = statements.LastOrDefault(s => s.Parent == b && !s.OpensBlock && s.Name == name);
            if (found is not null || b < 0) return found;
        }
    }

    private static int LineAt(string text, int offset)
    {
        var line = 1;
        for (var i = 0; i < offset && i < text.Length; i++) if (text[i] == '\n') line++;
        return line;
    }
}
