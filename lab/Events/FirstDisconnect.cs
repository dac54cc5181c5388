namespace BrokenPipe.Lab.Events;

/// <summary>The side that ended a connection first, when, and how (FIN, RST, or "drop": silently, as a middlebox can).</summary>
public sealed record FirstDisconnect(Side Side, TimeSpan At, string How, string? Actor)
{
    /// <summary>
    /// The earliest evidence of a side closing its end: its own close event, or another side's observation of it (a
    /// received FIN, a reset, EOF — see <see cref="LabEvent.Peer"/>), whichever was recorded first. Closes that answer
    /// the peer's (<see cref="LabEvent.Reply"/>) never count; nginx's upstream timeouts count as the proxy's FIN.
    /// </summary>
    public static FirstDisconnect? Find(IEnumerable<LabEvent> events)
    {
        foreach (var e in events.OrderBy(e => e.At))
        {
            if (e.Reply) continue;
            var own = e.Kind switch
            {
                EventKind.ClosedFin or EventKind.HalfClosed or EventKind.KestrelSendingFin => "FIN",
                EventKind.ProxyUpstreamTimedOutHeader or EventKind.ProxyUpstreamTimedOutBody => "FIN",
                EventKind.RedisOutputBufferLimit or EventKind.RedisIdleClientClosed or EventKind.RedisKilled => "FIN",
                EventKind.ClosedRst or EventKind.KestrelSendingRst => "RST",
                EventKind.FlowDropped => "drop",
                _ => null,
            };
            if (own is not null) return new FirstDisconnect(e.Side, e.At, own, e.Actor);
            if (e.Peer is { } peer && Observed(e) is { } how) return new FirstDisconnect(peer, e.At, how, null);
        }
        return null;
    }

    /// <summary>What an observation says the peer sent.</summary>
    private static string? Observed(LabEvent e) => e.Kind switch
    {
        EventKind.KestrelReceivedFin or EventKind.EndOfStream => "FIN",
        EventKind.KestrelReset => "RST",
        EventKind.PeerClosed => e.Failure == SocketFailure.ConnectionReset ? "RST" : "FIN",
        EventKind.ReceiveFailed or EventKind.SendFailed when e.Errno == Sockets.Errno.ECONNRESET => "RST",
        _ => null,
    };
}
