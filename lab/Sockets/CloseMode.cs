namespace BrokenPipe.Lab.Sockets;

/// <summary>How a side ends its connection.</summary>
public enum CloseMode
{
    /// <summary><c>close()</c>: a FIN — unless unread bytes remain in the receive buffer, then the kernel sends an RST.</summary>
    Fin,

    /// <summary>SO_LINGER {on, 0} then <c>close()</c>: an RST at once, queued data discarded.</summary>
    Rst,

    /// <summary><c>shutdown(SHUT_WR)</c>: a FIN for the sending half; the side keeps reading.</summary>
    HalfClose,

    /// <summary>A lingering close: <c>shutdown(SHUT_WR)</c>, drain what the peer still sends, then <c>close()</c> (no RST).</summary>
    Lingering,
}
