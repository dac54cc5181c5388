using System.Net;
using System.Net.Sockets;

namespace BrokenPipe.Lab.Tests;

public sealed class SocketCloseTests
{
    [Fact]
    public async Task CloseAsync_FinWithNothingUnread_RecordsClosedFinAndThePeerReadsEof()
    {
        var timeline = new Timeline();
        var (closer, peer) = await PairAsync();
        using (peer)
        {
            var e = await SocketClose.CloseAsync(closer, CloseMode.Fin, timeline, Side.Client, "closer");

            Assert.Equal((EventKind.ClosedFin, Side.Client, "closer"), (e.Kind, e.Side, e.Actor));
            Assert.Equal(0, await ReceiveAsync(peer));
        }
    }

    [Fact]
    public async Task CloseAsync_HalfCloseWhileAReceiveIsPending_ThenClose_SendsTheFinItRecords()
    {
        // .NET turns a close() abortive (RST) when an operation is pending on the socket — a reader's receive, say
        // (redis-pubsub-slow-subscriber's reader thread) — unless Shutdown(Send) came first: such a caller half-closes,
        // then closes. The record says FIN: so must the wire.
        var timeline = new Timeline();
        var (closer, peer) = await PairAsync();
        using (peer)
        {
            var pending = closer.ReceiveAsync(new byte[4096], SocketFlags.None);
            Assert.False(pending.IsCompleted); // nothing to read: the receive is queued on the socket

            var e = await SocketClose.CloseAsync(closer, CloseMode.HalfClose, timeline, Side.Client, "closer");
            closer.Close();

            Assert.Equal(CloseHow.Fin, e.Closed);
            Assert.Equal(0, await ReceiveAsync(peer)); // EOF, not ECONNRESET
            try
            {
                await pending.WaitAsync(Bound.Wait); // the close ends the pending receive (0 or aborted), bounded
            }
            catch (Exception x) when (x is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    [Fact]
    public async Task CloseAsync_FinWithUnreadBytes_RecordsClosedRstAndThePeerIsReset()
    {
        var timeline = new Timeline();
        var (closer, peer) = await PairAsync();
        using (peer)
        {
            await peer.SendAsync(new byte[100], SocketFlags.None);
            Assert.True(closer.Poll(Bound.Wait, SelectMode.SelectRead)); // the 100 bytes are in the closer's receive buffer

            var e = await SocketClose.CloseAsync(closer, CloseMode.Fin, timeline, Side.Client, "closer");

            Assert.Equal((EventKind.ClosedRst, 100L), (e.Kind, e.Bytes));
            var reset = await Assert.ThrowsAsync<SocketException>(() => ReceiveAsync(peer));
            Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        }
    }

    [Fact]
    public async Task CloseAsync_Rst_RecordsClosedRstAndThePeerIsReset()
    {
        var timeline = new Timeline();
        var (closer, peer) = await PairAsync();
        using (peer)
        {
            var e = await SocketClose.CloseAsync(closer, CloseMode.Rst, timeline, Side.Server, "closer");

            Assert.Equal(EventKind.ClosedRst, e.Kind);
            var reset = await Assert.ThrowsAsync<SocketException>(() => ReceiveAsync(peer));
            Assert.Equal(SocketError.ConnectionReset, reset.SocketErrorCode);
        }
    }

    [Fact]
    public async Task CloseAsync_HalfClose_RecordsHalfClosedAndTheCloserStillReads()
    {
        var timeline = new Timeline();
        var (closer, peer) = await PairAsync();
        using (closer)
        using (peer)
        {
            var e = await SocketClose.CloseAsync(closer, CloseMode.HalfClose, timeline, Side.Client, "closer");

            Assert.Equal(EventKind.HalfClosed, e.Kind);
            Assert.Equal(0, await ReceiveAsync(peer)); // the FIN
            await peer.SendAsync(new byte[10], SocketFlags.None);
            Assert.Equal(10, await ReceiveAsync(closer));
        }
    }

    [Fact]
    public async Task CloseAsync_Lingering_DrainsWhatThePeerSendsThenCloses()
    {
        var timeline = new Timeline();
        var (closer, peer) = await PairAsync();
        using (peer)
        {
            await peer.SendAsync(new byte[500], SocketFlags.None);
            var closing = SocketClose.CloseAsync(closer, CloseMode.Lingering, timeline, Side.Client, "closer");
            Assert.Equal(0, await ReceiveAsync(peer)); // the closer's FIN came first
            peer.Shutdown(SocketShutdown.Send); // the peer ends too: the drain sees EOF

            var e = await closing.WaitAsync(Bound.Wait);

            Assert.Equal(EventKind.HalfClosed, e.Kind);
            var done = await timeline.WaitForAsync(x => x.Kind == EventKind.Measured && x.Actor == "closer", Bound.Wait, "the lingering close to finish");
            Assert.Equal(new Measurement("bytes-drained", 500, "bytes"), done.Measurement);
        }
    }

    [Fact]
    public async Task CloseAsync_FinAfterThePeersRst_RecordsANoteNotAClose()
    {
        var timeline = new Timeline();
        var (closer, peer) = await PairAsync();
        peer.LingerState = new LingerOption(true, 0);
        peer.Close();
        Assert.True(closer.Poll(Bound.Wait, SelectMode.SelectRead)); // the RST has arrived

        var e = await SocketClose.CloseAsync(closer, CloseMode.Fin, timeline, Side.Server, "closer");

        Assert.Equal(EventKind.Note, e.Kind);
        Assert.Null(timeline.FirstDisconnect());
    }

    [Fact]
    public void Unread_DisposedSocket_IsZero()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Dispose();

        Assert.Equal(0, SocketClose.Unread(socket));
    }

    /// <summary>A connected pair on loopback: (the side that closes, its peer).</summary>
    private static async Task<(Socket Closer, Socket Peer)> PairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var closer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await closer.ConnectAsync(listener.LocalEndPoint!);
        var peer = await listener.AcceptAsync();
        return (closer, peer);
    }

    private static async Task<int> ReceiveAsync(Socket socket)
    {
        using var bound = new CancellationTokenSource(Bound.Wait);
        return await socket.ReceiveAsync(new byte[4096], SocketFlags.None, bound.Token);
    }
}
