namespace BrokenPipe.Lab.Parts;

/// <summary>
/// What a proxy's config says about the route one request takes (the location, or the backend rule, that serves its
/// path): read from the config before anything runs, so that the checks know what the lab's upstream will be asked.
/// Every text names the user's file and line. Proxy-neutral: nginx fills it from its locations, another proxy from its rules.
/// </summary>
internal sealed record ProxyRoute
{
    /// <summary>A route the config does not describe (or a proxy that does not say): plain HTTP/1.x, nothing special.</summary>
    public static ProxyRoute Unknown { get; } = new();

    /// <summary>The rule that serves the path, with its file and line ("location /api/ (app.conf:12)"), or null.</summary>
    public string? Where { get; init; }

    /// <summary>
    /// The upstream protocol when it is not HTTP/1.x ("grpc_pass: gRPC over HTTP/2 (app.conf:14)"), or null. The lab's
    /// upstreams speak HTTP/1.x only, so such a route cannot be judged.
    /// </summary>
    public string? OtherProtocol { get; init; }

    /// <summary>The response cache in effect on the route ("proxy_cache api (app.conf:9)"), or null.</summary>
    public string? Cache { get; init; }

    /// <summary>The auth subrequest the route makes before it proxies ("auth_request /internal-auth (app.conf:20)"), or null.</summary>
    public string? AuthSubrequest { get; init; }

    /// <summary>The paths (no query) at which the auth subrequest reaches the upstream, as far as the config says.</summary>
    public IReadOnlyList<string> AuthUpstreamPaths { get; init; } = [];

    /// <summary>The config says exactly where the auth subrequest goes (false: a variable or an unknown location; tell it by its shape).</summary>
    public bool AuthPathsKnown { get; init; }

    /// <summary>The route speaks HTTP/1.0 to its upstream (nginx's default proxy_http_version), with where it is set; null for HTTP/1.1.</summary>
    public string? UpstreamHttp10 { get; init; }
}
