namespace BrokenPipe.Lab.Parts;

/// <summary>
/// How a proxy's front listener (the lab's <c>{{listen}}</c>) speaks, read from the proxy's config: TLS, HTTP/2 (nginx:
/// <c>ssl</c>, <c>http2</c> or <c>http2 on;</c>). The proxy checks' client speaks what it says.
/// </summary>
internal sealed record ProxyListener
{
    /// <summary>Plain HTTP/1.1.</summary>
    public static ProxyListener Plain { get; } = new();

    /// <summary>The listener has <c>ssl</c> (or its server <c>ssl on;</c>): clients speak TLS.</summary>
    public bool Tls { get; init; }

    /// <summary>The listener has <c>http2</c>, or its server or http block <c>http2 on;</c>: clients speak HTTP/2.</summary>
    public bool Http2 { get; init; }

    /// <summary>HTTP/2 comes from a directive of the proxy that needs a later version of it (nginx: <c>http2 on;</c>, 1.25.1 or later).</summary>
    public bool Http2Directive { get; init; }

    /// <summary>
    /// What the listener needs that the checks cannot speak (the PROXY protocol, QUIC, client certificates), or null: such a
    /// config cannot be checked, which is unusable input, never a failed check.
    /// </summary>
    public string? Unsupported { get; init; }

    /// <summary>"HTTP/1.1", "HTTPS", "HTTP/2 over TLS" or "HTTP/2 cleartext (h2c)".</summary>
    public string Protocol => (Tls, Http2) switch
    {
        (false, false) => "HTTP/1.1",
        (true, false) => "HTTPS (HTTP/1.1 over TLS)",
        (true, true) => "HTTP/2 over TLS",
        (false, true) => "HTTP/2 cleartext (h2c)",
    };
}
