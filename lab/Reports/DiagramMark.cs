namespace BrokenPipe.Lab.Reports;

/// <summary>One row of a sequence diagram: the event, how it is drawn, and on which lanes.</summary>
/// <param name="Event">The event (the first of <paramref name="Count"/> alike, for a collapsed row).</param>
/// <param name="Count">How many consecutive alike events the row stands for.</param>
/// <param name="Kind">connect, request, response, fin, rst, drop (arrows), failure or note.</param>
/// <param name="Lane">The lane the mark starts on (an arrow's sender).</param>
/// <param name="To">An arrow's target lane, or null.</param>
/// <param name="First">This row is the first disconnect.</param>
/// <param name="Observed">
/// The arrow is drawn from another side's observation (a received FIN or RST) because that came before the sender's
/// own, later log line; that later line is then not drawn again.
/// </param>
internal sealed record DiagramMark(LabEvent Event, int Count, string Kind, string Lane, string? To, bool First, bool Observed);
