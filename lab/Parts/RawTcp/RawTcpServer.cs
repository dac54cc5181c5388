using System.Net;
using System.Net.Sockets;
using System.Text;
using BrokenPipe.Lab.Events;
using BrokenPipe.Lab.Sockets;

namespace BrokenPipe.Lab.Parts.RawTcp;

/// <summary>
/// The kernel reference: a TCP server on 127.0.0.1:0 with one blocking thread per connection and one libc
/// <c>send()</c> per chunk, each result recorded with its errno (side <see cref="Side.Server"/>).
/// </summary>
public sealed class RawTcpServer : IAsyncDisposable
{
    private readonly RawTcpServerOptions _options;
    private readonly Timeline _timeline;
    private readonly Socket _listener;
    private readonly Thread _acceptThread;
    private readonly List<(Thread Thread, Socket Socket)> _connections = [];
    private readonly Lock _gate = new();
    private volatile bool _stopping;
    private int _accepted;

    private RawTcpServer(RawTcpServerOptions options, Timeline timeline)
    {
        _options = options;
        _timeline = timeline;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(64);
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = $"{options.Name} accept" };
    }

    public IPEndPoint Endpoint { get; }

    public int Port => Endpoint.Port;

    /// <summary>Starts the server: it is ready (listening) when this returns.</summary>
    public static Task<RawTcpServer> StartAsync(Lab lab, RawTcpServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        options ??= new RawTcpServerOptions();
        if (options.ChunkBytes <= 0) throw new ArgumentOutOfRangeException(nameof(options), "ChunkBytes must be positive.");
        var server = new RawTcpServer(options, lab.Timeline);
        lab.Own(server, options.Name);
        server._acceptThread.Start();
        lab.Timeline.Record(Side.Lab, EventKind.PartStarted, $"raw TCP server on {server.Endpoint}", actor: options.Name);
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
        _timeline.Record(Side.Lab, EventKind.PartStopped, "raw TCP server stopped", actor: _options.Name);
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
        try
        {
            Native.MakeBlocking(socket, _options.IoTimeout);
            if (_options.SendBuffer is { } sndbuf) socket.SendBufferSize = sndbuf;
            _timeline.Record(Side.Server, EventKind.Accepted, $"accepted {socket.RemoteEndPoint}", actor: actor);
            if (!ReadRequest(socket, actor)) return;
            if (_options.Wait > TimeSpan.Zero)
            {
                _timeline.Record(Side.Server, EventKind.Waiting, $"handler works for {_options.Wait.TotalMilliseconds:0} ms before it writes", actor: actor);
                Thread.Sleep(_options.Wait);
            }
            if (_options.WaitForPeerClose) WaitForPeerClose(socket, actor);
            for (var i = 1; i <= _options.RecvProbesBeforeSend; i++) Probe(socket, actor, i);
            if (_options.AbandonIfPeerClosed && PeerHasClosed(socket))
            {
                _timeline.Record(Side.Server, EventKind.Note, "the peer has already closed: the response is abandoned, nothing is written", actor: actor);
            }
            else
            {
                WriteResponse(socket, actor);
            }
            if (!_stopping) SocketClose.CloseAsync(socket, _options.Close, _timeline, Side.Server, actor).GetAwaiter().GetResult();
            _timeline.Record(Side.Server, EventKind.HandlerCompleted, "connection handler done", actor: actor);
        }
        catch (Exception e)
        {
            // When the lab is stopping this server, the socket was closed under the thread: not news.
            if (!_stopping) _timeline.Record(Side.Server, EventKind.Note, $"connection handler failed: {SocketFailures.Describe(e)}", actor: actor);
        }
        finally
        {
            socket.Dispose();
        }
    }

    private bool ReadRequest(Socket socket, string actor)
    {
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
                RecordRecv(actor, n, errno, "while reading the request");
                return false;
            }
            total += n;
            head.Append(Encoding.Latin1.GetString(buffer, 0, (int)n));
        }
        var text = head.ToString();
        var requestLine = text[..text.IndexOf('\r')];
        var contentLength = HttpHead.ContentLength(text[..headEnd]) ?? 0;
        var bodyRead = total - (headEnd + 4);
        _timeline.Record(Side.Server, EventKind.RequestReceived, $"{requestLine} (Content-Length {contentLength})", actor: actor, bytes: total);
        if (_options.Read != RequestRead.Everything) return true;
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
        _timeline.Record(Side.Server, EventKind.Received, $"read the whole request body ({bodyRead} bytes)", actor: actor, bytes: bodyRead);
        return true;
    }

    private void WaitForPeerClose(Socket socket, string actor)
    {
        var micros = (int)Math.Min(int.MaxValue, _options.PeerCloseTimeout.TotalMicroseconds);
        if (socket.Poll(micros, SelectMode.SelectRead))
        {
            var state = Native.State(socket);
            var what = state switch
            {
                TcpState.CloseWait => "the peer's FIN has arrived (CLOSE_WAIT)",
                TcpState.Close => "the peer's RST has arrived (CLOSE)",
                _ => $"the socket became readable ({state})",
            };
            _timeline.Record(Side.Server, EventKind.PeerClosed, what, actor: actor);
        }
        else
        {
            _timeline.Record(Side.Server, EventKind.Note, $"the peer did not close within {_options.PeerCloseTimeout.TotalSeconds:0.#} s", actor: actor);
        }
    }

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
            _timeline.Record(Side.Server, EventKind.Received, $"{context}: {n} bytes", actor: actor, bytes: n, index: index);
        }
        else if (n == 0)
        {
            _timeline.Record(Side.Server, EventKind.EndOfStream, $"{context}: recv() returned 0 (EOF)", SocketFailure.EndOfStream, actor: actor, index: index);
        }
        else
        {
            _timeline.Record(Side.Server, EventKind.ReceiveFailed, $"{context}: recv() failed", SocketFailures.FromErrno(errno), errno, actor, index: index);
        }
    }

    private void WriteResponse(Socket socket, string actor)
    {
        var total = _options.ResponseBytes;
        var payload = BuildPrefix(total);
        var chunk = new byte[_options.ChunkBytes];
        long sent = 0;
        var index = 0;
        var failures = 0;
        while (sent < total && !_stopping)
        {
            if (index > 0 && _options.GapBetweenChunks > TimeSpan.Zero) Thread.Sleep(_options.GapBetweenChunks);
            var length = (int)Math.Min(_options.ChunkBytes, total - sent);
            Fill(chunk, payload, sent, length);
            index++;
            var before = index == 1 ? Native.State(socket) : TcpState.Unknown;
            var (n, errno) = Native.Send(socket, chunk.AsSpan(0, length));
            var state = before == TcpState.Unknown ? "" : $" (socket state before: {StateName(before)})";
            if (n < 0)
            {
                failures++;
                _timeline.Record(Side.Server, EventKind.SendFailed, $"send #{index} of {length} bytes failed after {sent} bytes sent{state}", SocketFailures.FromErrno(errno), errno, actor, bytes: sent, index: index);
                if (!_options.KeepSendingAfterError) break;
                sent += length; // count the attempt so the loop ends after N bytes' worth of tries
                continue;
            }
            sent += n;
            if (index <= _options.SendsRecordedInDetail)
            {
                _timeline.Record(Side.Server, EventKind.Sent, $"send #{index} returned {n} of {length} bytes{state}", actor: actor, bytes: n, index: index);
            }
        }
        if (failures == 0)
        {
            _timeline.Record(Side.Server, EventKind.Note, $"all {sent} bytes sent without error in {index} send() calls", actor: actor, bytes: sent, index: index);
        }
    }

    private byte[] BuildPrefix(long total)
    {
        if (!_options.Http) return [];
        // The head's own length depends on the Content-Length digits; settle it in two passes.
        var head = Head(total);
        head = Head(Math.Max(0, total - head.Length));
        return Encoding.ASCII.GetBytes(head);
    }

    private string Head(long bodyBytes) =>
        $"HTTP/1.1 {_options.Status} {HttpHead.Reason(_options.Status)}\r\nContent-Type: application/octet-stream\r\nContent-Length: {bodyBytes}\r\nConnection: close\r\n\r\n";

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
