using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BrokenPipe.Lab.Parts.RawTcp;

/// <summary>
/// The kernel reference: a TCP server on 127.0.0.1:0 with one blocking thread per connection and one libc
/// <c>send()</c> per chunk, each result recorded with its errno (side <see cref="Side.Server"/>).
/// </summary>
public sealed class RawTcpServer : IPart, IAsyncDisposable
{
    private readonly RawTcpServerOptions _options;
    private readonly LabSandbox _lab;
    private readonly Timeline _timeline;
    private readonly Socket _listener;
    private readonly Thread _acceptThread;
    private readonly List<(Thread Thread, Socket Socket)> _connections = [];
    private readonly Lock _gate = new();
    private volatile bool _stopping;
    private int _accepted;

    private RawTcpServer(RawTcpServerOptions options, LabSandbox lab)
    {
        _options = options;
        _lab = lab;
        _timeline = lab.Timeline;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = $"{options.Name} accept" };
    }

    public IPEndPoint Endpoint { get; }

    /// <inheritdoc/>
    public Uri Url(string pathAndQuery = "/") => new($"http://{Endpoint}{pathAndQuery}");

    public int Port => Endpoint.Port;

    /// <summary>Starts the server: it is ready (listening) when this returns.</summary>
    public static Task<RawTcpServer> StartAsync(LabSandbox lab, RawTcpServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new RawTcpServerOptions();
        options.Validate();
        var server = new RawTcpServer(options, lab);
        lab.Own(server, options.Name);
        lab.RegisterListener(server.Endpoint, Side.Server);
        server._acceptThread.Start();
        lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.PartStarted, $"raw TCP server on {server.Endpoint}") { Actor = options.Name });
        return Task.FromResult(server);
    }

    public ValueTask DisposeAsync()
    {
        _stopping = true;
        _listener.Dispose();
        List<(Thread Thread, Socket Socket)> live;
        lock (_gate) live = [.. _connections];
        foreach (var (_, socket) in live)
        {
            // A handler thread blocked in libc recv()/send() is not woken by Dispose; shutdown() wakes it.
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
            socket.Dispose();
        }
        _acceptThread.Join(TimeSpan.FromSeconds(5));
        foreach (var (thread, _) in live) thread.Join(TimeSpan.FromSeconds(5));
        _timeline.Record(new LabEvent(Side.Lab, EventKind.PartStopped, "raw TCP server stopped") { Actor = _options.Name });
        return ValueTask.CompletedTask;
    }

    private void AcceptLoop()
    {
        while (!_stopping)
        {
            Socket socket;
            try
            {
                socket = _listener.Accept();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            var n = Interlocked.Increment(ref _accepted);
            var actor = n == 1 ? _options.Name : $"{_options.Name}#{n}";
            var thread = new Thread(() => Serve(socket, actor)) { IsBackground = true, Name = actor };
            lock (_gate) _connections.Add((thread, socket));
            thread.Start();
        }
    }

    private void Serve(Socket socket, string actor)
    {
        var peerCloseSeen = false;
        try
        {
            Native.MakeBlocking(socket, _options.IoTimeout);
            if (_options.SendBuffer is { } sndbuf) socket.SendBufferSize = sndbuf;
            _timeline.Record(new LabEvent(Side.Server, EventKind.Accepted, $"accepted {socket.RemoteEndPoint}") { Actor = actor });
            for (var request = 1; !_stopping; request++)
            {
                var idle = TimeSpan.Zero;
                if (request > 1)
                {
                    var next = AwaitNextRequest(socket, actor, out idle);
                    if (next == NextRequest.None) break;
                }
                if (!ReadRequest(socket, actor, request, out var closeAsked)) return;
                var last = _options.KeepAlive && ((_options.HonourConnectionClose && closeAsked) || request >= (_options.MaxRequestsPerConnection ?? int.MaxValue));
                if (request > 1 && _options.CloseIdleOnNextRequest && idle >= _options.IdleTimeout)
                {
                    _timeline.Record(new LabEvent(Side.Server, EventKind.RequestDropped, $"request #{request} came after {idle.TotalMilliseconds:0} ms idle, past the {_options.IdleTimeout.TotalMilliseconds:0} ms idle timeout: the server's idle close crosses it, and it closes without answering") { Actor = actor, Index = request });
                    break;
                }
                Work(socket, actor, ref peerCloseSeen);
                if (_options.WaitForPeerClose && !peerCloseSeen) peerCloseSeen = WaitForPeerClose(socket, actor);
                for (var i = 1; i <= _options.RecvProbesBeforeSend; i++) Probe(socket, actor, i);
                if (_options.AbandonIfPeerClosed && PeerHasClosed(socket))
                {
                    _timeline.Note(Side.Server, "the peer has already closed: the response is abandoned, nothing is written", actor);
                    break;
                }
                if (!WriteResponse(socket, actor, ref peerCloseSeen, last) || !_options.KeepAlive) break;
                if (last)
                {
                    _timeline.Record(new LabEvent(Side.Server, EventKind.Note, closeAsked ? $"request #{request} asked to close (Connection: close or HTTP/1.0): the server closes after its response" : $"request #{request} is the last this connection may carry ({_options.MaxRequestsPerConnection}): the server closes after its response") { Actor = actor, Index = request });
                    break;
                }
            }
            if (!_stopping)
            {
                // The peer (a proxy or a client that read the whole response) may close between the last send and this
                // close: its FIN came first on the wire, an orderly end of a complete exchange, and this close answers it.
                var answers = !peerCloseSeen && Native.State(socket) == TcpState.CloseWait;
                if (answers) _timeline.Record(new LabEvent(Side.Server, EventKind.PeerClosed, "the peer's FIN arrived after the whole response, before the server closed (CLOSE_WAIT): an orderly end") { Failure = SocketFailure.EndOfStream, Actor = actor, Peer = Peer, Closed = CloseHow.Fin, Reply = true });
                SocketClose.CloseAsync(socket, _options.Close, _timeline, Side.Server, actor, reply: answers).GetAwaiter().GetResult();
            }
            _timeline.Record(new LabEvent(Side.Server, EventKind.HandlerCompleted, "connection handler done") { Actor = actor });
        }
        catch (Exception e)
        {
            // When the lab is stopping this server, the socket was closed under the thread: not news.
            if (!_stopping) _timeline.Note(Side.Server, $"connection handler failed: {SocketFailures.Describe(e)}", actor);
        }
        finally
        {
            socket.Dispose();
        }
    }

    private enum NextRequest
    {
        None,
        Arrived,
    }

    /// <summary>Keep-alive: waits for the next request. An idle connection is closed at the idle timeout, unless the race mode keeps it.</summary>
    private NextRequest AwaitNextRequest(Socket socket, string actor, out TimeSpan idle)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var bound = _options.CloseIdleOnNextRequest ? _options.IoTimeout : _options.IdleTimeout;
        var readable = socket.Poll(bound, SelectMode.SelectRead);
        idle = clock.Elapsed;
        if (!readable)
        {
            _timeline.Note(Side.Server, $"the keep-alive connection was idle for {idle.TotalMilliseconds:0} ms: the server closes it", actor);
            return NextRequest.None;
        }
        if (SocketClose.Unread(socket) == 0)
        {
            _timeline.Record(new LabEvent(Side.Server, EventKind.PeerClosed, $"the peer closed the idle keep-alive connection ({Native.State(socket)})") { Failure = SocketFailure.EndOfStream, Actor = actor, Peer = Peer, Closed = CloseHow.Fin });
            return NextRequest.None;
        }
        return NextRequest.Arrived;
    }

    /// <summary>The handler's work (<see cref="RawTcpServerOptions.Wait"/>).</summary>
    private void Work(Socket socket, string actor, ref bool peerCloseSeen)
    {
        if (_options.Wait <= TimeSpan.Zero) return;
        _timeline.Record(new LabEvent(Side.Server, EventKind.Waiting, $"handler works for {_options.Wait.TotalMilliseconds:0} ms before it writes") { Actor = actor });
        Pause(socket, actor, _options.Wait, ref peerCloseSeen);
    }

    /// <summary>Waits <paramref name="duration"/>, noting the moment the peer's FIN or RST arrives meanwhile (poll consumes nothing).</summary>
    private void Pause(Socket socket, string actor, TimeSpan duration, ref bool peerCloseSeen)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!peerCloseSeen && clock.Elapsed < duration)
        {
            if (!socket.Poll(duration - clock.Elapsed, SelectMode.SelectRead)) return;
            if (Native.State(socket) is not (TcpState.CloseWait or TcpState.Close))
            {
                break; // readable because of data (a pipelined request or an unread body), not a close
            }
            peerCloseSeen = RecordPeerClose(socket, actor);
        }
        var rest = duration - clock.Elapsed;
        if (rest > TimeSpan.Zero) Thread.Sleep(rest);
    }

    private bool ReadRequest(Socket socket, string actor, int request, out bool closeAsked)
    {
        closeAsked = false;
        if (_options.Read == RequestRead.None) return true;
        var buffer = new byte[64 * 1024];
        var head = new StringBuilder();
        long total = 0;
        int headEnd;
        while ((headEnd = head.ToString().IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
        {
            var (n, errno) = Native.Recv(socket, buffer);
            if (n <= 0)
            {
                RecordRecv(actor, n, errno, $"while reading request #{request}");
                return false;
            }
            total += n;
            head.Append(Encoding.Latin1.GetString(buffer, 0, (int)n));
        }
        var text = head.ToString();
        var requestLine = text[..text.IndexOf('\r')];
        var contentLength = HttpHead.ContentLength(text[..headEnd]) ?? 0;
        closeAsked = HttpHead.AsksToClose(requestLine, text[..headEnd]);
        var bodyRead = total - (headEnd + 4);
        _timeline.Record(new LabEvent(Side.Server, EventKind.RequestReceived, $"request #{request}: {requestLine} (Content-Length {contentLength})") { Actor = actor, Bytes = total, Index = request });
        if (_options.Read != RequestRead.Everything && !_options.KeepAlive) return true;
        while (bodyRead < contentLength)
        {
            var (n, errno) = Native.Recv(socket, buffer);
            if (n <= 0)
            {
                RecordRecv(actor, n, errno, $"after {bodyRead} of {contentLength} body bytes");
                return false;
            }
            bodyRead += n;
        }
        _timeline.Record(new LabEvent(Side.Server, EventKind.Received, $"read the whole request body ({bodyRead} bytes)") { Actor = actor, Bytes = bodyRead });
        return true;
    }

    private bool WaitForPeerClose(Socket socket, string actor)
    {
        if (socket.Poll(_options.PeerCloseTimeout, SelectMode.SelectRead)) return RecordPeerClose(socket, actor);
        _timeline.Note(Side.Server, $"the peer did not close within {_options.PeerCloseTimeout.TotalSeconds:0.#} s", actor);
        return false;
    }

    private bool RecordPeerClose(Socket socket, string actor)
    {
        var state = Native.State(socket);
        var (what, failure, closed) = state switch
        {
            TcpState.CloseWait => ("the peer's FIN has arrived (CLOSE_WAIT)", SocketFailure.EndOfStream, CloseHow.Fin),
            TcpState.Close => ("the peer's RST has arrived (CLOSE)", SocketFailure.ConnectionReset, CloseHow.Rst),
            _ => ($"the socket became readable ({state})", (SocketFailure?)null, (CloseHow?)null),
        };
        _timeline.Record(new LabEvent(Side.Server, EventKind.PeerClosed, what) { Failure = failure, Actor = actor, Peer = failure is null ? null : Peer, Closed = closed });
        return true;
    }

    /// <summary>Who is at the other end of this server's connections: a proxy in front of it, or a client.</summary>
    private Side Peer => _lab.SideConnectingTo(Endpoint);

    /// <summary>poll() says readable and the state says the peer's FIN or RST came: the check a careful server makes before writing.</summary>
    private static bool PeerHasClosed(Socket socket) =>
        socket.Poll(0, SelectMode.SelectRead) && Native.State(socket) is TcpState.CloseWait or TcpState.Close;

    private void Probe(Socket socket, string actor, int index)
    {
        var buffer = new byte[4096];
        var (n, errno) = Native.Recv(socket, buffer, dontWait: true);
        RecordRecv(actor, n, errno, $"recv #{index}", index);
    }

    private void RecordRecv(string actor, long n, int errno, string context, int? index = null)
    {
        if (n > 0)
        {
            _timeline.Record(new LabEvent(Side.Server, EventKind.Received, $"{context}: {n} bytes") { Actor = actor, Bytes = n, Index = index });
        }
        else if (n == 0)
        {
            _timeline.Record(new LabEvent(Side.Server, EventKind.EndOfStream, $"{context}: recv() returned 0 (EOF)") { Failure = SocketFailure.EndOfStream, Actor = actor, Index = index, Peer = Peer, Closed = CloseHow.Fin });
        }
        else
        {
            _timeline.Record(new LabEvent(Side.Server, EventKind.ReceiveFailed, $"{context}: recv() failed") { Failure = SocketFailures.FromErrno(errno), Errno = errno, Actor = actor, Index = index, Peer = errno == Errno.ECONNRESET ? Peer : null, Closed = errno == Errno.ECONNRESET ? CloseHow.Rst : null });
        }
    }

    /// <summary>Writes one response; false when a send failed.</summary>
    private bool WriteResponse(Socket socket, string actor, ref bool peerCloseSeen, bool last = false)
    {
        var total = _options.ResponseBytes;
        var payload = BuildPrefix(total, last);
        var chunk = new byte[_options.ChunkBytes];
        long sent = 0;
        var index = 0;
        var failures = 0;
        while (sent < total && !_stopping)
        {
            if (index > 0 && _options.GapBetweenChunks > TimeSpan.Zero) Pause(socket, actor, _options.GapBetweenChunks, ref peerCloseSeen);
            var length = (int)Math.Min(_options.ChunkBytes, total - sent);
            Fill(chunk, payload, sent, length);
            index++;
            var before = index == 1 ? Native.State(socket) : TcpState.Unknown;
            var (n, errno) = Native.Send(socket, chunk.AsSpan(0, length));
            var state = before == TcpState.Unknown ? "" : $" (socket state before: {StateName(before)})";
            if (n < 0)
            {
                failures++;
                _timeline.Record(new LabEvent(Side.Server, EventKind.SendFailed, $"send #{index} of {length} bytes failed after {sent} bytes sent{state}") { Failure = SocketFailures.FromErrno(errno), Errno = errno, Actor = actor, Bytes = sent, Index = index, Peer = errno == Errno.ECONNRESET ? Peer : null, Closed = errno == Errno.ECONNRESET ? CloseHow.Rst : null });
                if (!_options.KeepSendingAfterError) break;
                sent += length; // count the attempt so the loop ends after N bytes' worth of tries
                continue;
            }
            sent += n;
            if (index <= _options.SendsRecordedInDetail)
            {
                _timeline.Record(new LabEvent(Side.Server, EventKind.Sent, $"send #{index} returned {n} of {length} bytes{state}") { Actor = actor, Bytes = n, Index = index });
            }
        }
        if (failures == 0)
        {
            _timeline.Record(new LabEvent(Side.Server, EventKind.Measured, $"all {sent} bytes sent without error in {index} send() calls") { Actor = actor, Bytes = sent, Measurement = new("send-calls", index, "calls") });
        }
        return failures == 0;
    }

    private byte[] BuildPrefix(long total, bool last)
    {
        if (!_options.Http) return [];
        // The head's own length depends on the Content-Length digits; settle it in two passes.
        var head = Head(total, last);
        head = Head(Math.Max(0, total - head.Length), last);
        return Encoding.ASCII.GetBytes(head);
    }

    private string Head(long bodyBytes, bool last) =>
        $"HTTP/1.1 {_options.Status} {HttpHead.Reason(_options.Status)}\r\nContent-Type: application/octet-stream\r\nContent-Length: {bodyBytes}\r\n{(_options.KeepAlive && !last ? "" : "Connection: close\r\n")}\r\n";

    private static void Fill(byte[] chunk, byte[] prefix, long offset, int length)
    {
        for (var i = 0; i < length; i++)
        {
            var at = offset + i;
            chunk[i] = at < prefix.Length ? prefix[at] : (byte)'x';
        }
    }

    private static string StateName(TcpState state) => state switch
    {
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.Close => "CLOSE",
        TcpState.Established => "ESTABLISHED",
        _ => state.ToString().ToUpperInvariant(),
    };
}
