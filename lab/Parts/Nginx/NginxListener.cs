namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>How the lab's <c>{{listen}}</c> listener speaks: TLS (<c>ssl</c>), HTTP/2 (<c>http2</c> or <c>http2 on;</c>).</summary>
internal sealed record NginxListener
{
    /// <summary>Plain HTTP/1.1.</summary>
    public static NginxListener Plain { get; } = new();

    /// <summary>The listener has <c>ssl</c> (or its server <c>ssl on;</c>): clients speak TLS.</summary>
    public bool Tls { get; init; }

    /// <summary>The listener has <c>http2</c>, or its server or http block <c>http2 on;</c>: clients speak HTTP/2.</summary>
    public bool Http2 { get; init; }

    /// <summary>HTTP/2 comes from the <c>http2 on;</c> directive, which needs nginx 1.25.1 or later.</summary>
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
