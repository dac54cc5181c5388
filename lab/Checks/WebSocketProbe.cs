using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using BrokenPipe.Lab.Parts;

namespace BrokenPipe.Lab.Checks;

/// <summary>
/// The websocket check's client: an RFC 6455 upgrade request (over TLS when the listener has it; websockets over HTTP/2
/// are not what nginx does, so HTTP/1.1 is offered by ALPN), then silence, watching for the proxy to close the connection.
/// </summary>
internal static class WebSocketProbe
{
    /// <summary>The upgrade's status, and how long after it the connection was closed by the far side (null: still open at the end of <paramref name="watch"/>).</summary>
    public static async Task<(int? Status, TimeSpan? ClosedAfter)> RunAsync(LabSandbox lab, IProxyPart proxy, string host, string path, TimeSpan watch, CancellationToken cancellationToken)
    {
        var (endpoint, tls) = (proxy.Endpoint, proxy.Listener.Tls);
        var timeline = lab.Timeline;
        const string actor = "ws-client";
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        Stream stream = new NetworkStream(socket, ownsSocket: false);
        await using (stream.ConfigureAwait(false))
        {
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = host,
                        ApplicationProtocols = [SslApplicationProtocol.Http11],
                        RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    },
                    cancellationToken).ConfigureAwait(false);
                stream = ssl;
            }
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = $"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: brokenpipe-lab\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken).ConfigureAwait(false);
            timeline.Record(new LabEvent(Side.Client, EventKind.RequestSent, $"GET {path} with Upgrade: websocket{(tls ? " (over TLS)" : "")}") { Actor = actor });
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(TimeSpan.FromSeconds(30));
            var head = await WebSocketHandshake.ReadHeadAsync(stream, bound.Token).ConfigureAwait(false);
            var status = head is null ? null : WebSocketHandshake.Status(head);
            timeline.Record(new LabEvent(Side.Client, EventKind.ResponseHeaders, head is null ? "the connection closed before a response" : $"HTTP {status}") { Failure = head is null ? SocketFailure.EndOfStream : null, Actor = actor, Status = status });
            if (status != 101) return (status, null);

            // Idle since the upstream sent its 101 (nginx's read timer starts when it reaches nginx), not since this client
            // read it: on busy cores the client's read of the 101 can come hundreds of ms late, and nginx's close would then
            // look that much earlier than its proxy_read_timeout.
            var upgraded = timeline.Snapshot().LastOrDefault(e => e.Side == Side.Server && e.Kind == EventKind.ResponseWrite && e.Status == 101)?.At ?? timeline.Now;
            TimeSpan Idle() => timeline.Now - upgraded;
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            watching.CancelAfter(watch);
            try
            {
                var buffer = new byte[1024];
                while (await stream.ReadAsync(buffer, watching.Token).ConfigureAwait(false) > 0)
                {
                    // A frame from the far side (none expected): the connection is still alive.
                }
                timeline.Record(new LabEvent(Side.Client, EventKind.PeerClosed, $"the proxy closed the idle websocket after {Idle().TotalSeconds:0.0} s") { Failure = SocketFailure.EndOfStream, Actor = actor, Peer = Side.Proxy, Closed = CloseHow.Fin });
                return (status, Idle());
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                timeline.Note(Side.Client, $"the websocket is still open after {Idle().TotalSeconds:0.0} s idle", actor);
                return (status, null);
            }
            catch (IOException e)
            {
                timeline.RecordFailure(Side.Client, EventKind.ReceiveFailed, e, actor, $"after {Idle().TotalSeconds:0.0} s idle", peer: Side.Proxy);
                return (status, Idle());
            }
        }
    }
}
