namespace BrokenPipe.Lab.Capture;

/// <summary>A FIN or an RST on the wire: its frame, who sent it, and (for an RST) the data segment it answered, if any.</summary>
/// <param name="Frame">The frame that carries the flag.</param>
/// <param name="How">"FIN" or "RST".</param>
/// <param name="Answers">For an RST: the data frame from the peer it answers (data sent to a socket that was gone), or null.</param>
public sealed record WireClose(WireFrame Frame, string How, WireFrame? Answers);
