namespace BrokenPipe.Lab.Parts.Upstreams;

/// <summary>
/// What an upstream does with every request, the same in every language: wait, then write N bytes (in one write, or
/// in chunks of C flushed one by one), then end the response and close the way it is told. Each language's program
/// reads these as its command line.
/// </summary>
public sealed record UpstreamOptions
{
    /// <summary>The language of the server. The default value is <see cref="UpstreamLanguage.Go"/>.</summary>
    public UpstreamLanguage Language { get; init; } = UpstreamLanguage.Go;

    /// <summary>Actor name on the timeline. The default value is the language's key ("go", "node", "python", "java").</summary>
    public string? Name { get; init; }

    /// <summary>The handler's work before it writes (a plain sleep, deaf to the client, like the seeds' handlers). The default value is zero.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.Zero;

    /// <summary>N: the response body's bytes. The default value is 8,061 (the Go question's: with Go's headers, 8,193 bytes).</summary>
    public int ResponseBytes { get; init; } = 8061;

    /// <summary>C: write the body in chunks of this many bytes, each flushed to the socket (streaming); 0 writes it in one call. The default value is 0.</summary>
    public int ChunkBytes { get; init; }

    /// <summary>
    /// The fix: the handler stops waiting when the client has gone (Go: the request's context; Node: the request's
    /// 'close'; Python and Java: a look at the socket) and writes nothing. The default value is false.
    /// </summary>
    public bool HonourAbort { get; init; }

    /// <summary>
    /// What the handler's log line puts before a failed write's error text (the Kong/nginx article's Go handler:
    /// <c>"error writing: "</c>); Go's handler only: the others report their exception's own text. The default value is none.
    /// </summary>
    public string LogPrefix { get; init; } = "";

    /// <summary>How the server closes the connection after a response: a FIN (the runtime's own close) or an RST (SO_LINGER 0). The default value is <see cref="CloseMode.Fin"/>.</summary>
    public CloseMode Close { get; init; } = CloseMode.Fin;

    /// <summary>
    /// The server's keep-alive (idle) timeout, or null for the runtime's default (Go: none beyond its read timeout;
    /// Node: 5 s, closed at 6 s; Python and Java: their own). The default value is null.
    /// </summary>
    public TimeSpan? KeepAliveTimeout { get; init; }
}
