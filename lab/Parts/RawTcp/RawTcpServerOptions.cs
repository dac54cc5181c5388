namespace BrokenPipe.Lab.Parts.RawTcp;

/// <summary>
/// The raw server behaves like a plain Go or C server: read the request, wait, write N bytes as C-byte
/// <c>send()</c> calls, close. Every send is one syscall whose result and errno are recorded.
/// </summary>
public sealed record RawTcpServerOptions
{
    /// <summary>Actor name on the timeline. The default value is "raw-server".</summary>
    public string Name { get; init; } = "raw-server";

    /// <summary>What it reads before answering. The default value is <see cref="RequestRead.Headers"/>.</summary>
    public RequestRead Read { get; init; } = RequestRead.Headers;

    /// <summary>The handler's work: how long it waits after reading, before the first send. The default value is zero.</summary>
    public TimeSpan Wait { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// After <see cref="Wait"/>, also wait (bounded by <see cref="PeerCloseTimeout"/>) until the peer's FIN or RST has
    /// arrived, so "the client had already left" holds by construction, not by a guessed sleep. It uses poll(), which
    /// does not consume a pending error. The default value is false.
    /// </summary>
    public bool WaitForPeerClose { get; init; }

    /// <summary>The bound of <see cref="WaitForPeerClose"/>. The default value is 10 seconds.</summary>
    public TimeSpan PeerCloseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The fix for "stop sending work after the connection is closed": just before writing, check (poll, no data
    /// consumed) whether the peer has gone, and if so write nothing. The default value is false.
    /// </summary>
    public bool AbandonIfPeerClosed { get; init; }

    /// <summary>How many non-blocking <c>recv()</c> calls to make before the first send (each one recorded). The default value is 0.</summary>
    public int RecvProbesBeforeSend { get; init; }

    /// <summary>N: the total bytes to write, the HTTP head included when <see cref="Http"/> is on. The default value is 12,288.</summary>
    public long ResponseBytes { get; init; } = 3 * 4096;

    /// <summary>C: the bytes per <c>send()</c> call. The default value is 4,096 (Go's bufio writer size).</summary>
    public int ChunkBytes { get; init; } = 4096;

    /// <summary>A pause between two sends (a slow producer). The default value is zero.</summary>
    public TimeSpan GapBetweenChunks { get; init; } = TimeSpan.Zero;

    /// <summary>Start the bytes with an HTTP/1.1 response head whose Content-Length makes the whole N. The default value is true.</summary>
    public bool Http { get; init; } = true;

    /// <summary>The HTTP status of the head. The default value is 200.</summary>
    public int Status { get; init; } = 200;

    /// <summary>SO_SNDBUF, or null for the kernel's autotuning. The default value is null.</summary>
    public int? SendBuffer { get; init; }

    /// <summary>Keep calling <c>send()</c> after one failed, to show what later sends return. The default value is false (stop, like most servers).</summary>
    public bool KeepSendingAfterError { get; init; }

    /// <summary>
    /// Serve one request after another on the connection (HTTP keep-alive: no "Connection: close", each request read
    /// whole) until the peer closes or the connection is idle for <see cref="IdleTimeout"/>. The default value is false.
    /// </summary>
    public bool KeepAlive { get; init; }

    /// <summary>With <see cref="KeepAlive"/>: an idle connection is closed (FIN) after this. The default value is 5 seconds.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// With <see cref="KeepAlive"/>: the keep-alive race made deterministic. The server keeps an idle connection past
    /// <see cref="IdleTimeout"/> and, when the next request arrives after it, reads it and closes without answering —
    /// exactly what the peer sees when the server's idle close and its next request cross on the wire. The default value is false.
    /// </summary>
    public bool CloseIdleOnNextRequest { get; init; }

    /// <summary>
    /// With <see cref="KeepAlive"/>: behave like a real HTTP/1.1 server (RFC 9112 §9.3, §9.6): a request that says
    /// <c>Connection: close</c>, or an HTTP/1.0 request without <c>Connection: keep-alive</c>, gets a response with
    /// <c>Connection: close</c> and the connection is closed after it. The default value is false.
    /// </summary>
    public bool HonourConnectionClose { get; init; }

    /// <summary>
    /// With <see cref="KeepAlive"/>: the most requests served on one connection (like nginx's <c>keepalive_requests</c> or
    /// Node's <c>maxRequestsPerSocket</c>); the last response says <c>Connection: close</c>. Null: no limit. The default value is null.
    /// </summary>
    public int? MaxRequestsPerConnection { get; init; }

    /// <summary>How the server closes when it is done. The default value is <see cref="CloseMode.Fin"/>.</summary>
    public CloseMode Close { get; init; } = CloseMode.Fin;

    /// <summary>Bound on every blocking syscall (SO_RCVTIMEO, SO_SNDTIMEO). The default value is 30 seconds.</summary>
    public TimeSpan IoTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Sends recorded one by one before the rest are summed up (failures are always recorded). The default value is 8.</summary>
    public int SendsRecordedInDetail { get; init; } = 8;

    /// <summary>Checks the options once, when the server starts (<see cref="OptionRules"/>).</summary>
    internal void Validate() => new OptionRules(nameof(RawTcpServerOptions))
        .NotBlank(Name).NotNegative(Wait).Positive(PeerCloseTimeout).AtLeast(RecvProbesBeforeSend, 0).AtLeast(ResponseBytes, 0).AtLeast(ChunkBytes, 1)
        .NotNegative(GapBetweenChunks).AtLeast(Status, 100).AtLeast(SendBuffer ?? 1, 1).Positive(IdleTimeout).AtLeast(MaxRequestsPerConnection ?? 1, 1)
        .Positive(IoTimeout).AtLeast(SendsRecordedInDetail, 0)
        .That(Status <= 999, $"Status must be a three-digit HTTP status (was {Status})")
        .ThrowIfAny();
}
