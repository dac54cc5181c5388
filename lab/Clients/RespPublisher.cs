using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// A Redis publisher on a raw socket of its own: a burst of pipelined PUBLISH commands in a few large writes (each write
/// recorded with what send() returned), then a PING, while a reader counts the integer replies (the number of receivers:
/// 1 delivered, 0 nobody subscribed) up to the PONG. The lab owns it: its socket is closed (FIN, recorded) when the lab is
/// disposed, after Redis's own lines are in.
/// </summary>
public sealed class RespPublisher : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Timeline _timeline;
    private readonly string _actor;

    private RespPublisher(Timeline timeline, string actor)
    {
        _timeline = timeline;
        _actor = actor;
    }

    /// <summary>Connects a publisher named <paramref name="actor"/> to <paramref name="endpoint"/>, owned by <paramref name="lab"/>.</summary>
    public static async Task<RespPublisher> ConnectAsync(LabSandbox lab, IPEndPoint endpoint, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lab);
        var publisher = lab.Own(new RespPublisher(lab.Timeline, actor), actor);
        await publisher._socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        lab.Timeline.Record(new LabEvent(Side.Client, EventKind.Connected, $"connected to {endpoint} from {publisher._socket.LocalEndPoint}") { Actor = actor, LocalEndPoint = (IPEndPoint?)publisher._socket.LocalEndPoint });
        return publisher;
    }

    /// <summary>Sends <paramref name="burst"/> and returns when every reply is in — the burst is over (bounded: 10 s after the PING).</summary>
    public async Task<RespPublished> PublishAsync(RespBurst burst, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(burst);
        var replies = RespReplies.CountUntilPongAsync(_socket, cancellationToken);
        var started = _timeline.Now;
        var clock = Stopwatch.StartNew();
        var all = burst.Commands;
        var chunk = all.Length / burst.Writes;
        var index = 0;
        for (var (round, stopped) = (1, false); round <= burst.Repeats && !stopped; round++)
        {
            for (var offset = 0; offset < all.Length && !stopped; offset += chunk)
            {
                var n = await _socket.SendAsync(all.Slice(offset, chunk), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                index++;
                _timeline.Record(new LabEvent(Side.Client, EventKind.Sent, $"write #{index} of the pipelined PUBLISH burst{(burst.Repeats > 1 ? $" (burst {round})" : "")} returned {n}") { Actor = _actor, Bytes = n, Index = index });
                stopped = burst.Stop?.Invoke() == true;
            }
        }
        await _socket.SendAsync(Resp.Encode(["PING"]), SocketFlags.None, cancellationToken).ConfigureAwait(false); // its PONG ends the replies
        var count = await replies.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        var ms = clock.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);
        _timeline.Record(new LabEvent(
            Side.Client,
            EventKind.Received,
            $"read all {count.Total} PUBLISH replies {ms} ms after the first write: {count.Positive} × :1 (delivered to a subscriber), {count.Zero} × :0 (nobody subscribed any more)" + (count.Other > 0 ? $", {count.Other} errors" : ""))
        {
            Actor = _actor,
            Measurement = new(burst.Measurement, count.Positive, "messages"),
        });
        return new RespPublished(started, count.Positive, count.Zero, count.Other);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.Connected) await SocketClose.CloseAsync(_socket, CloseMode.Fin, _timeline, Side.Client, _actor).ConfigureAwait(false);
        _socket.Dispose();
    }
}
