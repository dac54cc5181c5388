using System.Text.RegularExpressions;
using BrokenPipe.Lab.Parts;

namespace BrokenPipe.Lab.Checks;

/// <summary>
/// One check's route through the proxy (read from the config) and the check's main request: tells the upstream's
/// requests apart. An auth subrequest (the route's <c>auth_request</c>) is known by the path the config sends it to, or,
/// where the config does not say, by its shape: its path is not the check's own. The checks judge the main request only.
/// </summary>
internal sealed partial class CheckRoute(ProxyRoute route, string mainPath)
{
    /// <summary>What the config says of the route.</summary>
    public ProxyRoute Route => route;

    /// <summary>The method of the check's own request. The default value is "GET".</summary>
    public string Method { get; init; } = "GET";

    /// <summary>Other paths the check requests on the same route (the keep-alive check's POSTs beside its GETs).</summary>
    public IReadOnlyList<string> AlsoMain { get; init; } = [];

    /// <summary>The check's own request path, as the client sends it.</summary>
    public string MainPath => mainPath;

    /// <summary>A request the upstream got for <paramref name="target"/> is the route's auth subrequest.</summary>
    public bool IsAuthSubrequest(string target)
    {
        if (route.AuthSubrequest is null) return false;
        var path = target.Split('?')[0];
        if (route.AuthUpstreamPaths.Any(a => path == a || (a.Length > 1 && path.StartsWith(a.TrimEnd('/') + "/", StringComparison.Ordinal)))) return true;
        if (route.AuthPathsKnown) return false;
        // The config did not say where it goes (a variable in proxy_pass): a rewritten main request still ends with the
        // check's own segment (/export under /api/ stays …/export); an auth endpoint's path does not.
        return !((IEnumerable<string>)[mainPath, .. AlsoMain]).Any(main => path.TrimEnd('/').EndsWith(main[main.TrimEnd('/').LastIndexOf('/')..].TrimEnd('/'), StringComparison.Ordinal));
    }

    /// <summary>The method and target of an upstream's <see cref="EventKind.RequestReceived"/> event ("GET", "/export"), or null.</summary>
    public static (string Method, string Target)? RequestOf(LabEvent e)
    {
        var m = RequestLine().Match(e.Detail);
        return m.Success ? (m.Groups[1].Value, m.Groups[2].Value) : null;
    }

    /// <summary>The upstream's requests in order, each as "GET /export" with what it was: the main request, an auth subrequest, or bytes it could not read.</summary>
    public IReadOnlyList<(LabEvent Event, UpstreamRequest Kind, string Text)> Requests(IEnumerable<LabEvent> events) =>
        [.. events.Where(e => e.Side == Side.Server && e.Kind == EventKind.RequestReceived).Select(e =>
        {
            var request = RequestOf(e);
            if (request is not { } r || r.Method == "PRI") return (e, UpstreamRequest.Unreadable, request is { } p ? $"{p.Method} {p.Target} (not HTTP/1.x: the HTTP/2 preface)" : "bytes that are not an HTTP/1.x request");
            return IsAuthSubrequest(r.Target) ? (e, UpstreamRequest.AuthSubrequest, $"{r.Method} {r.Target} (the auth subrequest)") : (e, UpstreamRequest.Main, $"{r.Method} {r.Target}");
        })];

    /// <summary>The upstream got the check's main request.</summary>
    public bool MainSeen(IEnumerable<LabEvent> events) => Requests(events).Any(r => r.Kind == UpstreamRequest.Main);

    /// <summary>An upstream request event is the check's main request.</summary>
    public bool IsMain(LabEvent e) =>
        e.Side == Side.Server && e.Kind == EventKind.RequestReceived && RequestOf(e) is { } r && r.Method != "PRI" && !IsAuthSubrequest(r.Target);

    [GeneratedRegex(@"\b(GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS|PRI) (\S+)")]
    private static partial Regex RequestLine();
}
