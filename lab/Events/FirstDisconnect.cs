namespace BrokenPipe.Lab.Events;

/// <summary>The side that ended a connection first, when, and how (FIN or RST).</summary>
public sealed record FirstDisconnect(Side Side, TimeSpan At, string How, string? Actor)
{
    /// <summary>
    /// The earliest event in which a side closed its own end. Events that only report what a peer did
    /// (received FIN, reset, EOF) do not count: they are consequences, never the first disconnect.
    /// </summary>
    public static FirstDisconnect? Find(IEnumerable<LabEvent> events)
    {
        foreach (var e in events)
        {
            var how = e.Kind switch
            {
                EventKind.ClosedFin or EventKind.HalfClosed or EventKind.KestrelSendingFin => "FIN",
                EventKind.ClosedRst or EventKind.KestrelSendingRst => "RST",
                _ => null,
            };
            if (how is not null) return new FirstDisconnect(e.Side, e.At, how, e.Actor);
        }
        return null;
    }
}
