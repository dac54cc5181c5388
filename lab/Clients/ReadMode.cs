namespace BrokenPipe.Lab.Clients;

/// <summary>How a scripted client reads the response.</summary>
public enum ReadMode
{
    /// <summary>As fast as the bytes come.</summary>
    Normal,

    /// <summary>Stops reading after the head (or at once) until its resume trigger: the buffers fill and the sender blocks.</summary>
    Stall,

    /// <summary>Reads at a fixed rate (<see cref="RawHttpOptions.SlowBytesPerSecond"/>).</summary>
    Slow,
}
