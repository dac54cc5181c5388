using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace BrokenPipe.Lab.Sockets;

/// <summary>
/// Direct libc calls, so the raw server is the kernel reference: one <c>send()</c> is one syscall, and its errno
/// is the kernel's own, not a framework's translation. Linux only, like the lab.
/// </summary>
internal static partial class Native
{
    private const int MSG_NOSIGNAL = 0x4000;
    private const int MSG_DONTWAIT = 0x40;
    private const int IPPROTO_TCP = 6;
    private const int TCP_INFO = 11;

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint SendCore(nint fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint RecvCore(nint fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    private static unsafe partial int GetSockOpt(nint fd, int level, int name, byte* value, ref int length);

    private const int SOL_SOCKET = 1;
    private const int SO_RCVTIMEO = 20;
    private const int SO_SNDTIMEO = 21;
    private const int F_GETFL = 3;
    private const int F_SETFL = 4;
    private const int O_NONBLOCK = 0x800;

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOpt(nint fd, int level, int name, void* value, int length);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(nint fd, int command, int argument);

    /// <summary>
    /// Makes the fd blocking at the OS level and bounds each blocking syscall (SO_RCVTIMEO/SO_SNDTIMEO), so a
    /// stalled peer turns into EAGAIN after <paramref name="timeout"/> instead of a thread stuck forever.
    /// </summary>
    public static unsafe void MakeBlocking(Socket socket, TimeSpan timeout)
    {
        var fd = socket.Handle;
        var flags = Fcntl(fd, F_GETFL, 0);
        if (flags >= 0 && (flags & O_NONBLOCK) != 0) Fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        var tv = stackalloc long[2];
        tv[0] = (long)timeout.TotalSeconds;
        tv[1] = timeout.Microseconds + (timeout.Milliseconds * 1000L);
        SetSockOpt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, sizeof(long) * 2);
        SetSockOpt(fd, SOL_SOCKET, SO_SNDTIMEO, tv, sizeof(long) * 2);
    }

    /// <summary>One <c>send(fd, buf, len, MSG_NOSIGNAL)</c>: the byte count, or -1 and the errno.</summary>
    public static unsafe (long Result, int Errno) Send(Socket socket, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            var n = SendCore(socket.Handle, p, data.Length, MSG_NOSIGNAL);
            return n < 0 ? (-1, Marshal.GetLastPInvokeError()) : (n, 0);
        }
    }

    /// <summary>One <c>recv()</c>: the byte count (0 is EOF), or -1 and the errno.</summary>
    public static unsafe (long Result, int Errno) Recv(Socket socket, Span<byte> buffer, bool dontWait = false)
    {
        fixed (byte* p = buffer)
        {
            var n = RecvCore(socket.Handle, p, buffer.Length, dontWait ? MSG_DONTWAIT : 0);
            return n < 0 ? (-1, Marshal.GetLastPInvokeError()) : (n, 0);
        }
    }

    /// <summary>The kernel's TCP state of the socket (tcpi_state of TCP_INFO), e.g. CLOSE_WAIT after a FIN, CLOSE after an RST.</summary>
    public static unsafe TcpState State(Socket socket)
    {
        var info = stackalloc byte[256];
        var length = 256;
        return GetSockOpt(socket.Handle, IPPROTO_TCP, TCP_INFO, info, ref length) == 0 ? (TcpState)info[0] : TcpState.Unknown;
    }
}
