namespace BrokenPipe.Lab.Parts.Kestrel;

/// <summary>
/// Maps Kestrel's own log events (category + event id, as Kestrel defines them) to timeline kinds. Kestrel logs
/// all of these at Debug, which is why a production log at Information never shows who disconnected.
/// </summary>
internal static class KestrelLogEvents
{
    public const string Sockets = "Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets";
    public const string Connections = "Microsoft.AspNetCore.Server.Kestrel.Connections";
    public const string BadRequests = "Microsoft.AspNetCore.Server.Kestrel.BadRequests";
    public const string Kestrel = "Microsoft.AspNetCore.Server.Kestrel";
    public const string Hosting = "Microsoft.AspNetCore.Hosting.Diagnostics";

    /// <summary>The kind, failure and errno of one log event, or null for events the lab does not record.</summary>
    public static (EventKind Kind, SocketFailure? Failure, int? Errno)? Map(string category, int eventId, string message, Exception? exception)
    {
        return (category, eventId) switch
        {
            (Sockets, 6) => (EventKind.KestrelReceivedFin, SocketFailure.EndOfStream, null), // ConnectionReadFin
            (Sockets, 7) => (EventKind.KestrelSendingFin, null, null), // ConnectionWriteFin
            (Sockets, 8) => RstReason(message), // ConnectionWriteRst
            (Sockets, 14) => WithException(EventKind.KestrelCommunicationError, exception), // ConnectionError
            (Sockets, 19) => (EventKind.KestrelReset, SocketFailure.ConnectionReset, Errno.ECONNRESET), // ConnectionReset
            (BadRequests, 28) => (EventKind.KestrelMinDataRateAbort, SocketFailure.TimedOut, null), // ResponseMinimumDataRateNotSatisfied
            (BadRequests, 17) => (EventKind.KestrelBadRequest, null, null), // ConnectionBadRequest
            (BadRequests, 20) => WithException(EventKind.KestrelCommunicationError, exception), // RequestProcessingError
            (Connections, 34) => (EventKind.KestrelApplicationAbort, null, null), // ApplicationAbortedConnection
            (Kestrel, 13) => WithException(EventKind.KestrelApplicationError, exception), // ApplicationError
            (Kestrel, 32) => (EventKind.KestrelBodyNotRead, null, null), // RequestBodyNotEntirelyRead
            (Hosting, 2) => (EventKind.KestrelRequestFinished, null, null), // RequestFinished
            _ => null,
        };
    }

    /// <summary>"sending RST because: "Broken pipe"" names the errno that made Kestrel reset.</summary>
    private static (EventKind, SocketFailure?, int?) RstReason(string message)
    {
        if (message.Contains("Broken pipe", StringComparison.Ordinal)) return (EventKind.KestrelSendingRst, SocketFailure.BrokenPipe, Errno.EPIPE);
        if (message.Contains("Connection reset by peer", StringComparison.Ordinal)) return (EventKind.KestrelSendingRst, SocketFailure.ConnectionReset, Errno.ECONNRESET);
        if (message.Contains("minimum data rate", StringComparison.Ordinal)) return (EventKind.KestrelSendingRst, SocketFailure.TimedOut, null);
        return (EventKind.KestrelSendingRst, null, null);
    }

    private static (EventKind, SocketFailure?, int?) WithException(EventKind kind, Exception? exception)
    {
        if (exception is null) return (kind, null, null);
        var (failure, errno) = SocketFailures.Classify(exception);
        return (kind, failure, errno);
    }
}
