namespace BrokenPipe.Lab.Parts;

/// <summary>
/// A reverse proxy the lab runs in front of an upstream (nginx; HAProxy next). Its log lines read as the proxy kinds of
/// <see cref="EventKind"/> (upstream timed out, client closed early, upstream reset, the access record), so the checks of
/// <c>check-proxy</c> judge any proxy from those kinds and this surface.
/// </summary>
internal interface IProxyPart : IPart
{
    /// <summary>How the front listener speaks (TLS, HTTP/2), read from the config.</summary>
    ProxyListener Listener { get; }

    /// <summary>Reads what the proxy has logged so far into the timeline now.</summary>
    void Flush();
}
