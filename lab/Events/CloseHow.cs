namespace BrokenPipe.Lab.Events;

/// <summary>What went on the wire when a connection was closed (<see cref="LabEvent.Closed"/>).</summary>
public enum CloseHow
{
    /// <summary>A FIN: an orderly close (or half-close) of the sending half.</summary>
    Fin,

    /// <summary>An RST: the connection is reset, queued data discarded.</summary>
    Rst,

    /// <summary>Nothing: a middlebox silently discards the flow, and neither end is told.</summary>
    Drop,
}
