using System.Net.Sockets;

namespace BrokenPipe.Lab.Sockets;

/// <summary>The TCP options that decide when a silent peer is noticed: keepalive probes and TCP_USER_TIMEOUT.</summary>
public static class TcpOptions
{
    /// <summary>SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT: after <paramref name="idleSeconds"/> of silence, <paramref name="count"/> probes <paramref name="intervalSeconds"/> apart.</summary>
    public static void KeepAlive(Socket socket, int idleSeconds, int intervalSeconds, int count)
    {
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, idleSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, intervalSeconds);
        socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, count);
    }

    /// <summary>TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before the kernel ends the connection (ETIMEDOUT).</summary>
    public static void UserTimeout(Socket socket, TimeSpan timeout)
    {
        const int IpprotoTcp = 6, TcpUserTimeout = 18;
        socket.SetRawSocketOption(IpprotoTcp, TcpUserTimeout, BitConverter.GetBytes((int)timeout.TotalMilliseconds));
    }
}
