namespace BrokenPipe.Lab.Events;

/// <summary>What happened. Tests match on kinds, never on the text of a detail.</summary>
public enum EventKind
{
    // The lab itself.
    PartStarted,
    PartStopped,

    /// <summary>A sentence for people (<see cref="Timeline.Note"/>): what the lab set up or a step decided.</summary>
    Note,
    SocketSnapshot,

    /// <summary>A number a part or a scenario measured: <see cref="LabEvent.Measurement"/> says what, how much and in which unit.</summary>
    Measured,

    /// <summary>
    /// The scenario leaves its connections alone on purpose (<see cref="LabSandbox.IdleAsync"/>): the idle gap is the
    /// behaviour under test. <see cref="LabEvent.Duration"/> is how long, the detail says why.
    /// </summary>
    Idle,

    // Any socket, any side.
    Connected,
    Accepted,
    Sent,
    SendFailed,
    Received,
    ReceiveFailed,
    EndOfStream,
    PeerClosed,

    /// <summary>This side closed its socket and sent a FIN.</summary>
    ClosedFin,

    /// <summary>This side closed its socket with SO_LINGER 0 (or with unread data) and sent an RST.</summary>
    ClosedRst,

    /// <summary>This side shut down its sending half (a FIN) and keeps reading.</summary>
    HalfClosed,

    /// <summary>A middlebox silently discards a flow's packets or bytes: no FIN, no RST — a disconnect nobody is told about.</summary>
    FlowDropped,

    // HTTP clients.
    RequestSent,
    ResponseHeaders,
    ResponseCompleted,
    ResponseTruncated,
    RequestFailed,
    ReadStalled,
    ReadResumed,

    // Servers (Kestrel handler and the raw TCP server).
    RequestReceived,

    /// <summary>The server read a request and closed the connection without answering it.</summary>
    RequestDropped,
    RequestAborted,
    Waiting,
    ResponseWrite,

    /// <summary>A response write that returned without error after the peer had gone: the bytes went nowhere.</summary>
    WriteIntoVoid,
    WriteFailed,
    HandlerCompleted,
    HandlerFailed,

    /// <summary>What a streaming handler produced: <see cref="LabEvent.Bytes"/> is the bytes produced after the client had gone.</summary>
    WorkSummary,

    // Kestrel's own log, captured through an ILoggerProvider.
    KestrelReceivedFin,
    KestrelReset,
    KestrelSendingFin,
    KestrelSendingRst,
    KestrelCommunicationError,
    KestrelMinDataRateAbort,
    KestrelBadRequest,
    KestrelApplicationAbort,
    KestrelApplicationError,
    KestrelBodyNotRead,
    KestrelRequestFinished,

    // What a reverse proxy does to its two connections, in a proxy's terms: each proxy part reads its own log lines into
    // these (nginx: Parts/Nginx/NginxLogParser, whose tests hold the real lines), and the detail keeps the proxy's line.

    /// <summary>The upstream sent no response header within the proxy's read timeout: the proxy gives up and closes the upstream (FIN), and answers 504.</summary>
    ProxyUpstreamTimedOutHeader,

    /// <summary>The upstream's response body stalled past the proxy's read timeout: the proxy closes both sides mid-body.</summary>
    ProxyUpstreamTimedOutBody,

    /// <summary>The upstream timed out while the proxy connected to it or sent it the request.</summary>
    ProxyUpstreamTimedOutOther,

    /// <summary>The upstream closed (FIN) before or in the middle of its response.</summary>
    ProxyUpstreamClosed,

    /// <summary>The upstream reset the proxy's connection (ECONNRESET on the upstream side).</summary>
    ProxyUpstreamReset,

    /// <summary>The proxy could not connect to the upstream (ECONNREFUSED).</summary>
    ProxyUpstreamRefused,

    /// <summary>The client closed before the proxy finished answering (nginx logs it with its 499).</summary>
    ProxyClientClosed,

    /// <summary>The proxy's write to the client failed with EPIPE: the client had gone.</summary>
    ProxyClientBrokenPipe,

    /// <summary>The proxy's write to the client failed with ECONNRESET.</summary>
    ProxyClientReset,

    /// <summary>The client did not send its request, or did not read the response, within the proxy's client timeout (HAProxy's <c>cR</c>, 408, and <c>cD</c>): the proxy closes it.</summary>
    ProxyClientTimedOut,

    /// <summary>The proxy's record of one answered request: <see cref="LabEvent.Status"/> is the status it sent (499: the client left first), <see cref="LabEvent.UpstreamStatuses"/> each upstream attempt's.</summary>
    ProxyAccess,

    /// <summary>Another line of the proxy's error log at warn or above.</summary>
    ProxyLog,

    // redis-server's log (at verbose), tailed by the Redis part; the detail keeps Redis's line.

    /// <summary>"Server initialized" / "Ready to accept connections".</summary>
    RedisReady,

    /// <summary>
    /// A client dropped for its output buffer: "… scheduled to be closed ASAP for overcoming of output buffer limits."
    /// (hard limit, while writing) or "… closed for overcoming of output buffer limits." (soft limit, from clientsCron).
    /// Redis closes that client's connection (FIN).
    /// </summary>
    RedisOutputBufferLimit,

    /// <summary>"Closing idle client" (logged only at verbose): the <c>timeout</c> setting closed a connection (FIN).</summary>
    RedisIdleClientClosed,

    /// <summary>Another Redis line at warning level.</summary>
    RedisLog,

    /// <summary>An INFO / CLIENT LIST snapshot the lab took (selected fields in the detail).</summary>
    RedisSnapshot,

    /// <summary>The lab killed redis-server with SIGKILL: the kernel closes every one of its sockets.</summary>
    RedisKilled,

    /// <summary>The lab paused (SIGSTOP) or resumed (SIGCONT) redis-server.</summary>
    RedisPaused,
    RedisResumed,

    // A client library's own view (StackExchange.Redis), which can lag what the wire says.

    /// <summary>The library raised ConnectionFailed (FailureType and connection type in the detail).</summary>
    LibraryConnectionFailed,

    /// <summary>The library raised ConnectionRestored.</summary>
    LibraryConnectionRestored,

    /// <summary>The library raised ErrorMessage or InternalError.</summary>
    LibraryError,

    /// <summary>A command through the library (or the raw probe) succeeded.</summary>
    CommandSucceeded,

    /// <summary>A command through the library failed (its exception type and message in the detail).</summary>
    CommandFailed,

    /// <summary>A client library's own log line (StackExchange.Redis 2.x/3.x ILogger); its fields are on <see cref="LabEvent.Library"/>.</summary>
    LibraryLog,
}
