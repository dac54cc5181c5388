using System.Net;
using System.Net.Sockets;

namespace BrokenPipe.Lab;

/// <summary>Closing a socket in one of the <see cref="CloseMode"/>s and recording what really goes on the wire.</summary>
public static class SocketClose
{
    /// <summary>How long a half-closing side reads the peer's rest before it closes (the default value is 10 seconds).</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Closes <paramref name="socket"/> and records a close event; returns the event.</summary>
    /// <param name="reply">The close ends an exchange the peer completed (a client closing after the whole response): an orderly end, not a first disconnect.</param>
    public static async Task<LabEvent> CloseAsync(Socket socket, CloseMode mode, Timeline timeline, Side side, string actor, bool reply = false)
    {
        // Each event is recorded just before its syscall: on loopback the peer reacts within the syscall, and the
        // timeline must still show this side's close first.
        switch (mode)
        {
            case CloseMode.Rst:
            {
                var e = timeline.Record(new LabEvent(side, EventKind.ClosedRst, "closed with SO_LINGER 0: RST sent") { Actor = actor, Closed = CloseHow.Rst, LocalEndPoint = Local(socket) });
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
                return e;
            }
            case CloseMode.HalfClose:
            {
                var e = timeline.Record(new LabEvent(side, EventKind.HalfClosed, "shutdown(SHUT_WR): FIN sent, still reading") { Actor = actor, Closed = CloseHow.Fin, LocalEndPoint = Local(socket) });
                TryShutdown(socket);
                return e;
            }
            case CloseMode.Lingering:
            {
                var e = timeline.Record(new LabEvent(side, EventKind.HalfClosed, "lingering close: shutdown(SHUT_WR), draining the peer") { Actor = actor, Closed = CloseHow.Fin });
                TryShutdown(socket);
                var drained = await DrainAsync(socket, DrainTimeout).ConfigureAwait(false);
                socket.Close();
                timeline.Record(new LabEvent(side, EventKind.Measured, $"lingering close done after draining {drained} bytes") { Actor = actor, Bytes = drained, Measurement = new("bytes-drained", drained, "bytes") });
                return e;
            }
            default:
            {
                // One close() syscall, no shutdown(SHUT_WR) before it: a segment arriving between the two would be taken
                // into the half-closed socket instead of drawing the RST the sweep and the EPIPE scenarios count on. A
                // caller with a receive still pending on another thread must half-close first (CloseMode.HalfClose), or
                // .NET closes abortively (an RST: connect(AF_UNSPEC), then SO_LINGER 0).
                var e = RecordClose(socket, timeline, side, actor, "close()", reply);
                socket.Close();
                return e;
            }
        }
    }

    /// <summary>
    /// Records what a plain <c>close()</c> of <paramref name="socket"/> puts on the wire, just before the caller closes it:
    /// nothing when the kernel has already ended the connection (a reset or a timeout), an RST when unread bytes remain,
    /// otherwise a FIN. <paramref name="who"/> starts the detail ("close()", "HttpClient closed the connection").
    /// <paramref name="reply"/> marks the FIN as an orderly end (<see cref="LabEvent.Reply"/>): it answers the peer's FIN or ends an exchange the peer completed.
    /// </summary>
    internal static LabEvent RecordClose(Socket socket, Timeline timeline, Side side, string actor, string who, bool reply = false)
    {
        var unread = Unread(socket);
        var state = Native.State(socket);
        return state == TcpState.Close
            ? timeline.Record(new LabEvent(side, EventKind.Note, $"{who} of a connection the kernel had already ended (a reset or a timeout): nothing goes on the wire") { Actor = actor })
            : unread > 0
                ? timeline.Record(new LabEvent(side, EventKind.ClosedRst, $"{who} with {unread} unread bytes in the receive buffer: the kernel sends RST") { Actor = actor, Bytes = unread, Closed = CloseHow.Rst, LocalEndPoint = Local(socket) })
                : timeline.Record(new LabEvent(side, EventKind.ClosedFin, $"{who}: FIN sent") { Actor = actor, Reply = reply, Closed = CloseHow.Fin, LocalEndPoint = Local(socket) });
    }

    /// <summary>Bytes waiting in the receive buffer (FIONREAD), 0 when the socket is unusable.</summary>
    public static int Unread(Socket socket)
    {
        try
        {
            return socket.Available;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>The closing socket's own address (which ties its close to a connection of a capture), or null.</summary>
    private static IPEndPoint? Local(Socket socket)
    {
        try
        {
            return socket.LocalEndPoint as IPEndPoint;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    private static void TryShutdown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The peer may have reset the connection already; the close below still happens.
        }
    }

    private static async Task<long> DrainAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n == 0) return total;
                total += n;
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return total;
        }
    }
}
