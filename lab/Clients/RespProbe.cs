using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// A raw RESP client over a socket: every send and every read recorded with its result and errno (side
/// <see cref="Side.Client"/>) — what a Redis library hides behind its reconnects.
/// </summary>
public sealed class RespProbe : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    // Replies are parsed a byte at a time: read them through a buffer, not one recv() per byte. Every read of the
    // probe goes through it, so no byte it holds is skipped.
    private readonly BufferedStream _in;
    private readonly Timeline _timeline;
    private readonly string _name;
    private readonly Side _peer;
    private int _sends;
    private int _reads;
    private bool _closed;

    private RespProbe(Socket socket, Timeline timeline, string name, Side peer)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _in = new BufferedStream(_stream, 64 * 1024);
        _timeline = timeline;
        _name = name;
        _peer = peer;
    }

    /// <summary>
    /// Connects; a refused connect is recorded and returns null (ECONNREFUSED while Redis is down).
    /// <paramref name="configure"/> sets socket options before the connect (TCP keepalive, TCP_USER_TIMEOUT, …).
    /// </summary>
    public static async Task<RespProbe?> ConnectAsync(
        LabSandbox lab,
        IPEndPoint endpoint,
        string name = "probe",
        int? receiveBuffer = null,
        CancellationToken cancellationToken = default,
        Action<Socket>? configure = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer is { } rcvbuf) socket.ReceiveBufferSize = rcvbuf;
        configure?.Invoke(socket);
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            lab.Timeline.RecordFailure(Side.Client, EventKind.RequestFailed, e, name, $"connect to {endpoint}");
            socket.Dispose();
            return null;
        }
        lab.Timeline.Record(new LabEvent(Side.Client, EventKind.Connected, $"connected to {endpoint} from {socket.LocalEndPoint}") { Actor = name, LocalEndPoint = (IPEndPoint?)socket.LocalEndPoint });
        return lab.Own(new RespProbe(socket, lab.Timeline, name, lab.SideListeningAt(endpoint)), name);
    }

    /// <summary>The probe's own address (what Redis shows as addr= in CLIENT LIST and in its log lines).</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    /// <summary>What the kernel knows about the connection now (unacknowledged bytes, retransmissions, probes).</summary>
    public TcpInfo TcpInfo => TcpInfo.Read(_socket);

    /// <summary>
    /// Records <see cref="TcpInfo"/> now as a <see cref="EventKind.SocketSnapshot"/> (its <see cref="LabEvent.Tcp"/> is
    /// what checks read) and returns the event.
    /// </summary>
    public LabEvent RecordTcpInfo()
    {
        var info = TcpInfo;
        return _timeline.Record(new LabEvent(Side.Client, EventKind.SocketSnapshot, $"TCP_INFO: {info}") { Actor = _name, Tcp = info });
    }

    /// <summary>Sends one command (one send() call); returns false and records the errno when it fails.</summary>
    public async Task<bool> SendAsync(params string[] command)
    {
        var index = ++_sends;
        var bytes = Resp.Encode(command);
        try
        {
            var n = await _socket.SendAsync(bytes, SocketFlags.None).ConfigureAwait(false);
            _timeline.Record(new LabEvent(Side.Client, EventKind.Sent, $"send #{index} ({command[0]}) returned {n}") { Actor = _name, Bytes = n, Index = index });
            return true;
        }
        catch (SocketException e)
        {
            _timeline.RecordFailure(new LabEvent(Side.Client, EventKind.SendFailed, $"send #{index} ({command[0]}) failed") { Actor = _name, Index = index, Peer = _peer }, e);
            return false;
        }
    }

    /// <summary>
    /// Reads one reply within <paramref name="timeout"/> and records it: the reply, Redis's error reply, EOF, a socket
    /// error with its errno, or the timeout (silence) — see <see cref="RespReadResult.Outcome"/>.
    /// </summary>
    public async Task<RespReadResult> ReadReplyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var index = ++_reads;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            var reply = await Resp.ReadAsync(_in, bound.Token).ConfigureAwait(false);
            var e = _timeline.Record(new LabEvent(Side.Client, EventKind.Received, $"reply #{index}: {Resp.Preview(reply)}") { Actor = _name, Index = index });
            return new RespReadResult { Outcome = reply is RespError ? RespReadOutcome.Error : RespReadOutcome.Reply, Value = reply, Event = e };
        }
        catch (EndOfStreamException)
        {
            var e = _timeline.Record(new LabEvent(Side.Client, EventKind.EndOfStream, $"read #{index}: recv() returned 0 (EOF)") { Failure = SocketFailure.EndOfStream, Actor = _name, Index = index, Peer = _peer, Closed = CloseHow.Fin });
            return new RespReadResult { Outcome = RespReadOutcome.EndOfStream, Failure = SocketFailure.EndOfStream, Event = e };
        }
        catch (IOException ex) when (ex.InnerException is SocketException)
        {
            var e = _timeline.RecordFailure(new LabEvent(Side.Client, EventKind.ReceiveFailed, $"read #{index} failed") { Actor = _name, Index = index, Peer = _peer }, ex);
            return new RespReadResult { Outcome = RespReadOutcome.Failed, Failure = e.Failure, Errno = e.Errno, Event = e };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var e = _timeline.Record(new LabEvent(Side.Client, EventKind.ReceiveFailed, $"read #{index}: no reply within {timeout.TotalSeconds:0.#} s (silence)") { Failure = SocketFailure.TimedOut, Actor = _name, Index = index });
            return new RespReadResult { Outcome = RespReadOutcome.TimedOut, Failure = SocketFailure.TimedOut, Event = e };
        }
    }

    /// <summary>
    /// Reads everything until EOF, a socket error, <paramref name="quiet"/> with no byte, or — when given —
    /// <paramref name="expected"/> bytes (all that was sent: no need to wait for silence); counts the pub/sub messages in
    /// it. Records one summary event (and the EOF or error).
    /// </summary>
    public async Task<(long Bytes, int Messages)> DrainAsync(TimeSpan quiet, long? expected = null)
    {
        var buffer = new byte[256 * 1024];
        long total = 0;
        var messages = 0;
        var tail = 0; // bytes kept at the buffer's start from the previous read: a frame marker may straddle two reads
        while (true)
        {
            if (total >= expected)
            {
                _timeline.Record(new LabEvent(Side.Client, EventKind.Received, $"drained {total} bytes ({messages} messages): all that was sent") { Actor = _name, Bytes = total, Index = messages, Measurement = new("pubsub-messages", messages, "messages") });
                return (total, messages);
            }
            using var bound = new CancellationTokenSource(quiet);
            int n;
            try
            {
                n = await _in.ReadAsync(buffer.AsMemory(tail), bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _timeline.Record(new LabEvent(Side.Client, EventKind.Received, $"drained {total} bytes ({messages} messages), then {quiet.TotalSeconds:0.#} s of silence") { Actor = _name, Bytes = total, Index = messages, Measurement = new("pubsub-messages", messages, "messages") });
                return (total, messages);
            }
            catch (IOException e) when (e.InnerException is SocketException)
            {
                _timeline.Record(new LabEvent(Side.Client, EventKind.Received, $"drained {total} bytes ({messages} messages)") { Actor = _name, Bytes = total, Index = messages, Measurement = new("pubsub-messages", messages, "messages") });
                _timeline.RecordFailure(new LabEvent(Side.Client, EventKind.ReceiveFailed, $"recv failed after {total} bytes") { Actor = _name, Bytes = total, Peer = _peer }, e);
                return (total, messages);
            }
            if (n == 0)
            {
                _timeline.Record(new LabEvent(Side.Client, EventKind.Received, $"drained {total} bytes ({messages} messages)") { Actor = _name, Bytes = total, Index = messages, Measurement = new("pubsub-messages", messages, "messages") });
                _timeline.Record(new LabEvent(Side.Client, EventKind.EndOfStream, $"recv() returned 0 (EOF) after {total} bytes") { Failure = SocketFailure.EndOfStream, Actor = _name, Bytes = total, Peer = _peer, Closed = CloseHow.Fin });
                return (total, messages);
            }
            total += n;
            // Count "message" frames in the kept tail plus the new bytes, then keep the last bytes — one fewer than the
            // marker, so a marker is never counted twice.
            var text = buffer.AsSpan(0, tail + n);
            messages += Count(text, MessageMarker);
            tail = Math.Min(text.Length, MessageMarker.Length - 1);
            text[^tail..].CopyTo(buffer);
        }
    }

    public async Task CloseAsync(CloseMode mode = CloseMode.Fin)
    {
        if (_closed) return;
        _closed = true;
        await SocketClose.CloseAsync(_socket, mode, _timeline, Side.Client, _name).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_closed && _socket.Connected) await CloseAsync().ConfigureAwait(false);
        await _in.DisposeAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    /// <summary>The start of a pushed pub/sub message: *3, then the bulk string "message".</summary>
    private static readonly byte[] MessageMarker = "$7\r\nmessage\r\n"u8.ToArray();

    private static int Count(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> what)
    {
        var count = 0;
        int i;
        while ((i = bytes.IndexOf(what)) >= 0)
        {
            count++;
            bytes = bytes[(i + what.Length)..];
        }
        return count;
    }
}
