using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BrokenPipe.Lab.Sockets;

namespace BrokenPipe.Lab.Checks;

/// <summary>
/// The websocket check's upstream: a request with <c>Upgrade: websocket</c> gets <c>101 Switching Protocols</c> and the
/// connection then stays idle until the proxy closes it (recorded with the idle time); the route's auth subrequest gets a
/// 200 at once (what an auth server answers); any other request gets a 400 and a close. Side <see cref="Side.Server"/>.
/// </summary>
internal sealed class WebSocketUpstream : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Timeline _timeline;
    private readonly Task _accepting;
    private readonly CheckRoute? _route;

    private WebSocketUpstream(LabSandbox lab, CheckRoute? route)
    {
        _timeline = lab.Timeline;
        _route = route;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(16);
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint { get; }

    public static WebSocketUpstream Start(LabSandbox lab, CheckRoute? route = null)
    {
        var upstream = lab.Own(new WebSocketUpstream(lab, route), "ws-upstream");
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
            var line = head[..head.IndexOf('\r')];
            if (_route is { } route && line.Split(' ') is [_, var target, ..] && route.IsAuthSubrequest(target))
            {
                _timeline.Record(new LabEvent(Side.Server, EventKind.RequestReceived, $"{line} (the auth subrequest, {route.Route.AuthSubrequest}: answered 200 at once, as an auth server would)") { Actor = actor, Status = 200 });
                await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"), _stop.Token).ConfigureAwait(false);
                _timeline.Note(Side.Server, $"{line[..line.LastIndexOf(' ')]} is the auth subrequest ({route.Route.AuthSubrequest}): answered 200 at once, as an auth server would", ProxyChecks.AuthSubrequestActor);
                return;
            }
            var key = WebSocketHandshake.Header(head, "Sec-WebSocket-Key");
            var upgrade = WebSocketHandshake.Header(head, "Upgrade")?.Equals("websocket", StringComparison.OrdinalIgnoreCase) == true && key is not null;
            _timeline.Record(new LabEvent(Side.Server, EventKind.RequestReceived, $"{line} ({(upgrade ? "Upgrade: websocket" : "no Upgrade header: the route does not pass websockets")})") { Actor = actor, Status = upgrade ? 101 : 400 });
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
