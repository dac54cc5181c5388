namespace BrokenPipe.Lab.Sockets;

/// <summary>The Linux errno values the lab names.</summary>
public static class Errno
{
    public const int EAGAIN = 11;
    public const int EPIPE = 32;
    public const int ECONNRESET = 104;
    public const int ENOTCONN = 107;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int ECONNABORTED = 103;
}
