namespace BrokenPipe.Lab.Sockets;

/// <summary>Linux TCP states, numbered as in include/net/tcp_states.h.</summary>
public enum TcpState
{
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
}
