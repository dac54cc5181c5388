namespace BrokenPipe.Lab.Capture;

/// <summary>One TCP segment of a capture, as tshark reads it back.</summary>
/// <param name="Number">Wireshark's frame number (1-based): what a person types into Wireshark's "Go to packet".</param>
/// <param name="Epoch">When it was captured, in seconds since 1970.</param>
/// <param name="Source">The sender, "ip:port".</param>
/// <param name="Destination">The receiver, "ip:port".</param>
/// <param name="Syn">SYN flag.</param>
/// <param name="Ack">ACK flag.</param>
/// <param name="Fin">FIN flag.</param>
/// <param name="Rst">RST flag.</param>
/// <param name="Length">TCP payload bytes.</param>
/// <param name="Stream">tshark's TCP stream index (one per connection).</param>
/// <param name="Retransmission">tshark's analysis marks it a retransmission.</param>
public sealed record WireFrame(int Number, double Epoch, string Source, string Destination, bool Syn, bool Ack, bool Fin, bool Rst, int Length, int Stream, bool Retransmission);
