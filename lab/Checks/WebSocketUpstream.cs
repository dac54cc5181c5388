using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BrokenPipe.Lab.Sockets;

namespace BrokenPipe.Lab.Checks;

/// <summary>
/// The websocket check's upstream: a request with <c>Upgrade: websocket</c> gets <c>101 Switching Protocols</c> and the
/// connection then stays idle until the proxy closes it (recorded with the idle time); any other request gets a 400 and a
/// close. Side <see cref="Side.Server"/>.
/// </summary>
internal sealed class WebSocketUpstream : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Timeline _timeline;
    private readonly Task _accepting;

    private WebSocketUpstream(LabSandbox lab)
    {
        _timeline = lab.Timeline;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint { get; }

    public static WebSocketUpstream Start(LabSandbox lab)
    {
        var upstream = lab.Own(new WebSocketUpstream(lab), "ws-upstream");
        lab.RegisterListener(upstream.Endpoint, Side.Server);
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await AcceptLoop.StopAsync(_stop, _listener, _sockets, _accepting).ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var n = 0;
        while (!_stop.IsCancellationRequested)
        {
            var socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            lock (_sockets) _sockets.Add(socket);
            _ = ServeAsync(socket, $"ws-upstream#{++n}");
        }
    }

    private async Task ServeAsync(Socket socket, string actor)
    {
        try
        {
            var head = await WebSocketHandshake.ReadHeadAsync(socket, _stop.Token).ConfigureAwait(false);
            if (head is null) return;
            var key = WebSocketHandshake.Header(head, "Sec-WebSocket-Key");
            var upgrade = WebSocketHandshake.Header(head, "Upgrade")?.Equals("websocket", StringComparison.OrdinalIgnoreCase) == true && key is not null;
            _timeline.Record(new LabEvent(Side.Server, EventKind.RequestReceived, $"{head[..head.IndexOf('\r')]} ({(upgrade ? "Upgrade: websocket" : "no Upgrade header: the route does not pass websockets")})") { Actor = actor, Status = upgrade ? 101 : 400 });
            if (!upgrade)
            {
                await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token).ConfigureAwait(false);
                return;
            }
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            await socket.SendAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"), _stop.Token).ConfigureAwait(false);
            // nginx arms its proxy_read_timeout when this 101 reaches it: the websocket check measures nginx's idle close from here.
            _timeline.Record(new LabEvent(Side.Server, EventKind.ResponseWrite, "101 Switching Protocols sent: the websocket is open, and idle from now") { Actor = actor, Status = 101 });
            var idle = Stopwatch.StartNew();
            var buffer = new byte[1024];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false)) > 0) idle.Restart();
            _timeline.Record(new LabEvent(Side.Server, EventKind.PeerClosed, $"the proxy closed the websocket after {idle.Elapsed.TotalSeconds:0.0} s idle") { Failure = SocketFailure.EndOfStream, Actor = actor, Peer = Side.Proxy, Closed = CloseHow.Fin });
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (!_stop.IsCancellationRequested && e is SocketException) _timeline.RecordFailure(Side.Server, EventKind.ReceiveFailed, e, actor, "websocket", peer: Side.Proxy);
        }
    }
}
