namespace BrokenPipe.Lab.Events;

/// <summary>The side that ended a connection first, when, and how (FIN, RST, or "drop": silently, as a middlebox can).</summary>
/// <param name="Side">The side that closed.</param>
/// <param name="At">When, on the lab's clock: its own close event, or the earliest observation of it.</param>
/// <param name="How">"FIN", "RST" or "drop", as the JSON contract spells them.</param>
/// <param name="Actor">The closing actor, when the evidence is its own close event (null for an observation by the peer).</param>
public sealed record FirstDisconnect(Side Side, TimeSpan At, string How, string? Actor)
{
    /// <summary>
    /// The earliest evidence of a side closing its end: its own close event, or another side's observation of it (a
    /// received FIN, a reset, EOF — see <see cref="LabEvent.Peer"/>), whichever was recorded first. Both carry
    /// <see cref="LabEvent.Closed"/>, set by the part that recorded them; closes that answer the peer's
    /// (<see cref="LabEvent.Reply"/>) never count.
    /// </summary>
    public static FirstDisconnect? Find(IEnumerable<LabEvent> events)
    {
        foreach (var e in events.OrderBy(e => e.At))
        {
            if (e.Reply || e.Closed is not { } how) continue;
            return e.Peer is { } peer
                ? new FirstDisconnect(peer, e.At, Name(how), null)
                : new FirstDisconnect(e.Side, e.At, Name(how), e.Actor);
        }
        return null;
    }

    /// <summary>The contract's spelling of <paramref name="how"/>: "FIN", "RST" or "drop".</summary>
    public static string Name(CloseHow how) => how switch
    {
        CloseHow.Fin => "FIN",
        CloseHow.Rst => "RST",
        CloseHow.Drop => "drop",
        _ => throw new ArgumentOutOfRangeException(nameof(how)),
    };
}
