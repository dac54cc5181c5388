namespace BrokenPipe.Lab.Capture;

/// <summary>What a run's packet capture showed: the file (for Wireshark), its connections, and the lines the narration and the HTML print.</summary>
/// <param name="Path">The pcap file.</param>
/// <param name="Frames">How many frames it holds.</param>
/// <param name="Conversations">Its TCP connections, read.</param>
/// <param name="Lines">The frame numbers of each FIN and RST and of the first failing segment, in words.</param>
public sealed record CaptureSummary(string Path, int Frames, IReadOnlyList<TcpConversation> Conversations, IReadOnlyList<string> Lines)
{
    /// <summary>When a frame was captured, on the lab's clock (the timeline's <see cref="LabEvent.At"/>); null when the capture could not be read.</summary>
    internal Func<WireFrame, TimeSpan>? LabTime { get; init; }

    /// <summary>The lab's side at an endpoint of a connection: the side listening there, or for the connecting end the side that connects to the other.</summary>
    internal Func<TcpConversation, string, Side>? SideOf { get; init; }

    /// <summary>Packets the kernel dropped before tcpdump read them, as tcpdump counted them on exit: more than 0 and the capture is incomplete.</summary>
    internal long KernelDrops { get; init; }

    /// <summary>The run's parts registered no listener, so the capture kept nothing (its connections, if any, were in labs of their own).</summary>
    internal bool NoListener { get; init; }
}
