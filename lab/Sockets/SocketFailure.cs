namespace BrokenPipe.Lab.Sockets;

/// <summary>The failure kinds the lab tells apart. The JSON contract spells them in kebab-case.</summary>
public enum SocketFailure
{
    /// <summary>EPIPE (32): a write on a connection the peer had already closed.</summary>
    BrokenPipe,

    /// <summary>ECONNRESET (104): the peer (or a middlebox) sent an RST.</summary>
    ConnectionReset,

    /// <summary>ETIMEDOUT (110), or an application timeout (no errno).</summary>
    TimedOut,

    /// <summary>A read returned 0: the peer sent a FIN, or the stream ended before the body did.</summary>
    EndOfStream,

    /// <summary>ECONNREFUSED (111): nothing listens on the port.</summary>
    Refused,

    /// <summary>The operation was canceled (a CancellationToken, <c>RequestAborted</c>).</summary>
    Canceled,
}
