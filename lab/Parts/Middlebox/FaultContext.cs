namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>
/// What a fault is asked about: <see cref="Count"/> bytes that arrived in <see cref="Direction"/> on a flow (0 means
/// that side's FIN), with the flow's counts as the middlebox saw them just before (the chunk is not counted yet).
/// </summary>
/// <param name="Flow">The connection; a fault keys its own per-flow state on it (the middlebox keeps none for faults).</param>
/// <param name="Direction">Which way the chunk goes.</param>
/// <param name="Count">The chunk's size; 0 for that side's FIN.</param>
public sealed record FaultContext(Flow Flow, Direction Direction, int Count)
{
    /// <summary>1 for the middlebox's first connection, 2 for the second, …</summary>
    public int FlowNumber => Flow.Number;

    /// <summary>Bytes already forwarded in <see cref="Direction"/> on this flow.</summary>
    public long BytesSoFar => Flow.Bytes(Direction);

    /// <summary>Bytes already forwarded in both directions on this flow.</summary>
    public long TotalBytesSoFar => Flow.Upstream + Flow.Downstream;

    /// <summary>How long since the flow's last byte in either direction (or since the connection, before any byte).</summary>
    public TimeSpan Idle => Flow.Idle;
}
