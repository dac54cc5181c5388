using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Lab.Clients;

/// <summary>How one read of a <see cref="RespProbe"/> ended.</summary>
public enum RespReadOutcome
{
    /// <summary>Redis replied: <see cref="RespReadResult.Value"/> holds the reply.</summary>
    Reply,

    /// <summary>Redis replied with an error ("-ERR …"): <see cref="RespReadResult.Value"/> is a <see cref="Protocols.RespError"/>.</summary>
    Error,

    /// <summary><c>recv()</c> returned 0: the peer closed the connection (FIN).</summary>
    EndOfStream,

    /// <summary>The read failed with a socket error: <see cref="RespReadResult.Failure"/> and <see cref="RespReadResult.Errno"/> say which (a reset: ECONNRESET).</summary>
    Failed,

    /// <summary>No reply came within the read's timeout: silence, as behind a middlebox that drops the flow.</summary>
    TimedOut,
}
