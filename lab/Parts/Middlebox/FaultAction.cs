namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>What a fault decides for a chunk of bytes arriving at the middlebox.</summary>
public enum FaultAction
{
    /// <summary>Forward it (possibly after a delay the fault already waited out).</summary>
    Forward,

    /// <summary>Discard it silently: no byte forwarded, no FIN, no RST.</summary>
    Drop,

    /// <summary>Close both sides with an RST (SO_LINGER 0).</summary>
    Reset,

    /// <summary>Close both sides with a FIN.</summary>
    Close,
}
