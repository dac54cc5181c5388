using System.Buffers.Binary;
using System.Net.Sockets;

namespace BrokenPipe.Lab.Sockets;

/// <summary>
/// What the kernel knows about one TCP connection (getsockopt TCP_INFO, <c>struct tcp_info</c> of linux/tcp.h): the
/// evidence for what a socket API call cannot tell — unacknowledged bytes being retransmitted, keepalive probes sent
/// without an answer, how long ago the last data or ACK came.
/// </summary>
public readonly record struct TcpInfo(
    TcpState State,
    int Retransmits,
    int UnansweredProbes,
    int Unacked,
    int TotalRetransmits,
    TimeSpan SinceDataSent,
    TimeSpan SinceDataReceived,
    TimeSpan SinceAckReceived,
    int SocketError)
{
    public static TcpInfo Read(Socket socket)
    {
        const int IpprotoTcp = 6, TcpInfoOption = 11;
        Span<byte> info = stackalloc byte[104];
        socket.GetRawSocketOption(IpprotoTcp, TcpInfoOption, info);
        var error = (int)socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error)!;
        return new TcpInfo(
            (TcpState)info[0],
            info[2], // tcpi_retransmits: retransmissions of the current unacknowledged segment
            info[3], // tcpi_probes: keepalive (or zero-window) probes sent without an answer
            U32(info, 24), // tcpi_unacked: segments sent and not acknowledged
            U32(info, 100), // tcpi_total_retrans
            Ms(info, 44), // tcpi_last_data_sent
            Ms(info, 52), // tcpi_last_data_recv
            Ms(info, 56), // tcpi_last_ack_recv
            error);
    }

    public override string ToString() =>
        $"state {State}, {Unacked} unacknowledged segments, {Retransmits} retransmissions of the current one ({TotalRetransmits} in all), " +
        $"{UnansweredProbes} unanswered keepalive probes, last data sent {SinceDataSent.TotalMilliseconds:0} ms ago, last data received " +
        $"{SinceDataReceived.TotalMilliseconds:0} ms ago, last ACK received {SinceAckReceived.TotalMilliseconds:0} ms ago; SO_ERROR {SocketError}";

    private static int U32(ReadOnlySpan<byte> info, int offset) => (int)BinaryPrimitives.ReadUInt32LittleEndian(info[offset..]);

    private static TimeSpan Ms(ReadOnlySpan<byte> info, int offset) => TimeSpan.FromMilliseconds(U32(info, offset));
}
