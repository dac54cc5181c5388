using System.Net.Sockets;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// The socket stream under an <see cref="HttpClient"/> connection (handed out by SocketsHttpHandler's ConnectCallback):
/// it records the connection, EOF, socket errors with their errno, and how the connection was closed.
/// </summary>
internal sealed class RecordingStream(Socket socket, Timeline timeline, string actor, Side peer) : NetworkStream(socket, ownsSocket: true)
{
    private int _closed;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            var n = await base.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0) timeline.Record(new LabEvent(Side.Client, EventKind.EndOfStream, "the connection's read returned 0 (EOF)") { Failure = SocketFailure.EndOfStream, Actor = actor, Peer = peer, Closed = CloseHow.Fin });
            return n;
        }
        catch (IOException e) when (e.InnerException is SocketException)
        {
            timeline.RecordFailure(Side.Client, EventKind.ReceiveFailed, e, actor, "the connection's read failed", peer: peer);
            throw;
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await base.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (e.InnerException is SocketException)
        {
            timeline.RecordFailure(Side.Client, EventKind.SendFailed, e, actor, "the connection's write failed", peer: peer);
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _closed, 1) == 0)
        {
            // A connection the peer reset is already gone: disposing it sends nothing, so no FIN is recorded then.
            SocketClose.RecordClose(Socket, timeline, Side.Client, actor, "HttpClient closed the connection");
        }
        base.Dispose(disposing);
    }
}
