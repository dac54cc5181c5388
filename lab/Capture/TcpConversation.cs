namespace BrokenPipe.Lab.Capture;

/// <summary>
/// One TCP connection of a capture, read the way the seed guide's first step reads one: who closed first (FIN or RST,
/// which side, when), data sent after the peer's FIN, resets answering writes, and silence followed by
/// retransmissions (a drop somewhere on the path).
/// </summary>
/// <param name="Stream">tshark's stream index.</param>
/// <param name="Client">The connecting end (the SYN's sender; the first sender when the SYN was not captured).</param>
/// <param name="Server">The other end.</param>
/// <param name="Frames">How many frames the connection has in the capture.</param>
/// <param name="Closes">Every FIN and RST, in order.</param>
/// <param name="DataAfterPeerFin">Data segments sent after the peer's FIN had arrived.</param>
/// <param name="Retransmissions">Retransmitted segments that came after a silence (nothing answered): the signature of a drop.</param>
/// <param name="Silence">The longest stretch with no frame before the first such retransmission, or null.</param>
public sealed record TcpConversation(
    int Stream,
    string Client,
    string Server,
    int Frames,
    IReadOnlyList<WireClose> Closes,
    IReadOnlyList<WireFrame> DataAfterPeerFin,
    IReadOnlyList<WireFrame> Retransmissions,
    TimeSpan? Silence)
{
    /// <summary>The first FIN or RST, or null when the connection was still open at the end of the capture.</summary>
    public WireClose? FirstClose => Closes.Count > 0 ? Closes[0] : null;

    /// <summary>The first segment that failed: data answered by an RST, or the first retransmission after a silence, whichever came first.</summary>
    public WireFrame? FirstFailingSegment
    {
        get
        {
            var answered = Closes.Select(c => c.Answers).FirstOrDefault(a => a is not null);
            var retransmitted = Retransmissions.Count > 0 ? Retransmissions[0] : null;
            if (answered is null) return retransmitted;
            return retransmitted is null || answered.Number < retransmitted.Number ? answered : retransmitted;
        }
    }

    /// <summary>"client" or "server" for an endpoint of this connection.</summary>
    public string Role(string endpoint) => endpoint == Client ? "client" : "server";
}
