using System.Net.Http;
using System.Net.Sockets;

namespace BrokenPipe.Lab.Sockets;

/// <summary>
/// The one classifier of socket errors. Every part and client asks it; nothing else maps exceptions,
/// <see cref="SocketError"/> values or errno numbers to failure kinds.
/// </summary>
public static class SocketFailures
{
    /// <summary>Maps a Linux errno to a failure kind (null for errno values the lab does not name).</summary>
    public static SocketFailure? FromErrno(int errno) => errno switch
    {
        Errno.EPIPE => SocketFailure.BrokenPipe,
        Errno.ECONNRESET => SocketFailure.ConnectionReset,
        Errno.ETIMEDOUT => SocketFailure.TimedOut,
        Errno.ECONNREFUSED => SocketFailure.Refused,
        _ => null,
    };

    /// <summary>.NET reports errno through <see cref="SocketError"/>; EPIPE arrives as <see cref="SocketError.Shutdown"/>.</summary>
    public static int? ErrnoOf(SocketError error) => error switch
    {
        SocketError.Shutdown => Errno.EPIPE,
        SocketError.ConnectionReset => Errno.ECONNRESET,
        SocketError.TimedOut => Errno.ETIMEDOUT,
        SocketError.ConnectionRefused => Errno.ECONNREFUSED,
        SocketError.ConnectionAborted => Errno.ECONNABORTED,
        SocketError.NotConnected => Errno.ENOTCONN,
        SocketError.WouldBlock => Errno.EAGAIN,
        _ => null,
    };

    public static (SocketFailure? Failure, int? Errno) FromSocketError(SocketError error)
    {
        if (error == SocketError.OperationAborted) return (SocketFailure.Canceled, null);
        var errno = ErrnoOf(error);
        return (errno is { } n ? FromErrno(n) : null, errno);
    }

    /// <summary>
    /// Classifies an exception by walking its chain: the innermost socket error wins, then the
    /// framework's own signals (a truncated HTTP body, a timeout, a cancellation).
    /// </summary>
    public static (SocketFailure? Failure, int? Errno) Classify(Exception exception)
    {
        // A socket error with a real errno is the truth. An aborted socket operation (ECANCELED) is only how a
        // cancellation reached the socket, so the cause above it (a timeout, a token) decides.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is SocketException { SocketErrorCode: not SocketError.OperationAborted } se) return FromSocketError(se.SocketErrorCode);
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return (SocketFailure.EndOfStream, null);
                case TimeoutException:
                    return (SocketFailure.TimedOut, null);
                case EndOfStreamException:
                    return (SocketFailure.EndOfStream, null);
                case Microsoft.AspNetCore.Connections.ConnectionResetException:
                    // Kestrel's reset carries no SocketException when the transport saw the reset itself.
                    return (SocketFailure.ConnectionReset, Errno.ECONNRESET);
            }
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException or SocketException) return (SocketFailure.Canceled, null);
        }
        return (null, null);
    }

    /// <summary>
    /// Classifies a failure StackExchange.Redis reported (any version): an event's ConnectionFailureType name
    /// (<paramref name="failureType"/>, null for a command's exception) and its exception chain, outermost first.
    /// A timeout wins (the command's own outcome); then a socket's errno; then the library's failure type, the
    /// innermost that names the socket (SocketClosed, SocketFailure) before an outer one (UnableToConnect).
    /// </summary>
    public static (SocketFailure? Failure, int? Errno) ClassifyLibrary(string? failureType, IReadOnlyList<LibraryException> chain)
    {
        if (chain.Count > 0 && chain[0].Type is "RedisTimeoutException" or "TimeoutException" or "TaskCanceledException") return (SocketFailure.TimedOut, null);
        // 2.x/3.x: a command that waited out its timeout in the backlog is a RedisConnectionException, but a timeout.
        if (chain.Count > 0 && chain[0].Message.StartsWith("The message timed out", StringComparison.Ordinal)) return (SocketFailure.TimedOut, null);
        foreach (var link in chain)
        {
            if (link.Errno is { } errno && FromErrno(errno) is { } byErrno) return (byErrno, errno);
        }
        // redis-py's and node-redis's words for the peer's FIN (they carry no errno).
        if (chain.Any(l => l.Message is "Connection closed by server." or "Socket closed unexpectedly")) return (SocketFailure.EndOfStream, null);
        if (chain.Select(l => FromNodeText(l.Message)).FirstOrDefault(f => f.Failure is not null) is { Failure: not null } node) return node;
        foreach (var link in chain.Reverse())
        {
            if (FromLibraryFailureType(link.FailureType) is SocketFailure.EndOfStream or SocketFailure.ConnectionReset) return (FromLibraryFailureType(link.FailureType), null);
        }
        if (FromLibraryFailureType(failureType) is { } byType) return (byType, null);
        foreach (var link in chain)
        {
            if (FromLibraryFailureType(link.FailureType) is { } byLink) return (byLink, null);
            if (link.Type is "EndOfStreamException") return (SocketFailure.EndOfStream, null);
            if (link.Type is "OperationCanceledException") return (SocketFailure.Canceled, null);
        }
        return (null, null);
    }

    /// <summary>
    /// StackExchange.Redis's ConnectionFailureType by name: SocketClosed is the peer's FIN (EOF), SocketFailure a
    /// reset or a socket error, UnableToConnect and UnableToResolvePhysicalConnection no connection at all.
    /// </summary>
    public static SocketFailure? FromLibraryFailureType(string? failureType) => failureType switch
    {
        "SocketClosed" => SocketFailure.EndOfStream,
        "SocketFailure" => SocketFailure.ConnectionReset,
        "UnableToConnect" or "UnableToResolvePhysicalConnection" => SocketFailure.Refused,
        _ => null,
    };

    /// <summary>
    /// Classifies a library's own log line: StackExchange.Redis 2.x/3.x's "Dead socket detected, no reads in N seconds
    /// … issuing disconnect" is a read timeout it noticed itself (its only report of a silent drop).
    /// </summary>
    public static (SocketFailure? Failure, int? Errno) ClassifyLibraryLog(string message) =>
        message.Contains("Dead socket detected", StringComparison.OrdinalIgnoreCase) ? (SocketFailure.TimedOut, null) : FromNodeText(message);

    /// <summary>
    /// Node's words for a socket error: "write EPIPE", "read ECONNRESET", "connect ECONNREFUSED" (the syscall, then the
    /// errno's name), as Node's own messages and ioredis's "Unhandled error event" line carry them.
    /// </summary>
    public static (SocketFailure? Failure, int? Errno) FromNodeText(string message)
    {
        foreach (var (code, errno) in new[] { ("EPIPE", Errno.EPIPE), ("ECONNRESET", Errno.ECONNRESET), ("ECONNREFUSED", Errno.ECONNREFUSED), ("ETIMEDOUT", Errno.ETIMEDOUT) })
        {
            foreach (var syscall in new[] { "write", "read", "connect" })
            {
                if (message.Contains($"{syscall} {code}", StringComparison.Ordinal) && FromErrno(errno) is { } failure) return (failure, errno);
            }
        }
        return (null, null);
    }

    /// <summary>The whole exception chain on one line: "HttpRequestException: … → IOException: … → SocketException (104): …".</summary>
    public static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var name = e is SocketException se ? $"SocketException ({se.NativeErrorCode})" : e.GetType().Name;
            parts.Add($"{name}: {e.Message}");
        }
        return string.Join(" → ", parts);
    }

    /// <summary>
    /// The errno whose strerror text (glibc's "Broken pipe", "Connection reset by peer", in any case) or symbolic name
    /// (EPIPE) <paramref name="message"/> carries, for a runtime that reports an error only in words (Java's
    /// <c>IOException: Broken pipe</c>); null when it carries none. A language's own spellings are explain's
    /// (Explain/FailureAliases), not this.
    /// </summary>
    public static int? ErrnoOfMessage(string message)
    {
        foreach (var (errno, words, name) in Strerror)
        {
            if (message.Contains(words, StringComparison.OrdinalIgnoreCase) || message.Contains(name, StringComparison.Ordinal)) return errno;
        }
        return null;
    }

    private static readonly (int Errno, string Words, string Name)[] Strerror =
    [
        (Errno.EPIPE, "Broken pipe", "EPIPE"),
        (Errno.ECONNRESET, "Connection reset by peer", "ECONNRESET"),
        (Errno.ETIMEDOUT, "Connection timed out", "ETIMEDOUT"),
        (Errno.ECONNREFUSED, "Connection refused", "ECONNREFUSED"),
    ];

    public static string Name(SocketFailure failure) => failure switch
    {
        SocketFailure.BrokenPipe => "broken-pipe",
        SocketFailure.ConnectionReset => "connection-reset",
        SocketFailure.TimedOut => "timed-out",
        SocketFailure.EndOfStream => "end-of-stream",
        SocketFailure.Refused => "refused",
        SocketFailure.Canceled => "canceled",
        _ => throw new ArgumentOutOfRangeException(nameof(failure)),
    };

    public static string ErrnoName(int errno) => errno switch
    {
        Errno.EPIPE => "EPIPE",
        Errno.ECONNRESET => "ECONNRESET",
        Errno.ETIMEDOUT => "ETIMEDOUT",
        Errno.ECONNREFUSED => "ECONNREFUSED",
        Errno.ECONNABORTED => "ECONNABORTED",
        Errno.ENOTCONN => "ENOTCONN",
        Errno.EAGAIN => "EAGAIN",
        _ => $"errno",
    };
}
