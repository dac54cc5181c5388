namespace BrokenPipe.Lab.Events;

/// <summary>What happened. Tests match on kinds, never on the text of a detail.</summary>
public enum EventKind
{
    // The lab itself.
    PartStarted,
    PartStopped,
    Note,
    SocketSnapshot,

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
}
