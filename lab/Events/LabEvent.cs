using System.Net;

namespace BrokenPipe.Lab.Events;

/// <summary>One thing one side saw, stamped with the lab's single monotonic clock.</summary>
/// <param name="At">Time since the lab started.</param>
/// <param name="Side">Who saw it.</param>
/// <param name="Kind">What it was.</param>
/// <param name="Failure">The socket failure it carries, if any.</param>
/// <param name="Errno">The Linux errno behind the failure, when the OS gave one.</param>
/// <param name="Detail">A human sentence; a log line keeps its original text here.</param>
public sealed record LabEvent(TimeSpan At, Side Side, EventKind Kind, SocketFailure? Failure, int? Errno, string Detail)
{
    /// <summary>
    /// An event to record: set the fields that belong to it with an initializer and pass it to
    /// <see cref="Timeline.Record(LabEvent)"/>, which stamps <see cref="At"/>.
    /// </summary>
    public LabEvent(Side side, EventKind kind, string detail)
        : this(TimeSpan.Zero, side, kind, null, null, detail)
    {
    }

    /// <summary>Which part, client or connection reported it ("raw-server", "client#2").</summary>
    public string? Actor { get; init; }

    /// <summary>A byte count that belongs to the event (bytes sent, received, produced).</summary>
    public long? Bytes { get; init; }

    /// <summary>A 1-based ordinal that belongs to the event (send #2, write #6).</summary>
    public int? Index { get; init; }

    /// <summary>An HTTP status that belongs to the event.</summary>
    public int? Status { get; init; }

    /// <summary>
    /// A close that answers the peer's (Kestrel's "sending FIN" after it received one, "sending RST because: Broken
    /// pipe"), or an orderly end of an exchange the peer completed (a client closing after the whole response): it never
    /// counts as the first disconnect, even when its log line is read before the peer's. The packet oracle still checks
    /// that it is on the timeline, and leaves it out of the first disconnect on the wire too.
    /// </summary>
    public bool Reply { get; init; }

    /// <summary>
    /// For an event that observes the other end's close (a received FIN, a reset, EOF): the side that closed. The
    /// observer records it at once, so it dates the peer's close better than the peer's own log line can.
    /// </summary>
    public Side? Peer { get; init; }

    /// <summary>
    /// Set on an event that closes a connection, and on an event that observes the peer's close (with <see cref="Peer"/>):
    /// what went on the wire, FIN, RST or nothing (<see cref="CloseHow.Drop"/>). <see cref="Events.FirstDisconnect"/>
    /// reads only this field, so a new part names its own closes where it records them.
    /// </summary>
    public CloseHow? Closed { get; init; }

    /// <summary>A duration that belongs to the event (an idle gap, how long a step took).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>What a <see cref="EventKind.Measured"/> event measured.</summary>
    public Measurement? Measurement { get; init; }

    /// <summary>On a failure recorded from an exception: the exception chain's type names, outermost first.</summary>
    public IReadOnlyList<string>? Exceptions { get; init; }

    /// <summary>On HTTP response events: how the body is delimited.</summary>
    public HttpFraming? Framing { get; init; }

    /// <summary>What a client library reported, field by field (null for events that are not a library's).</summary>
    public LibraryObservation? Library { get; init; }

    /// <summary>What redis-server reported, field by field: the client a log line is about, an INFO or CLIENT LIST snapshot.</summary>
    public RedisObservation? Redis { get; init; }

    /// <summary>
    /// The text the software itself wrote, unchanged: a log line of nginx, Redis or Kestrel, an exception chain's
    /// messages, a client library's message or log line. <c>explain</c>'s signatures match against it, because people
    /// paste what their software wrote; <see cref="Detail"/> is the lab's sentence and may say more. Null on the lab's own events.
    /// </summary>
    public string? Verbatim { get; init; }

    /// <summary>For traffic a part passed on or dropped (a middlebox's <see cref="EventKind.FlowDropped"/>): the side it came from.</summary>
    public Side? From { get; init; }

    /// <summary>
    /// On <see cref="EventKind.Connected"/>: the connection's own address, which the server sees as the client's (Redis's
    /// addr=, nginx's $remote_addr). On a close recorded by <c>SocketClose</c>: the closing socket's own address, which
    /// ties the close to its connection in a capture.
    /// </summary>
    public IPEndPoint? LocalEndPoint { get; init; }

    /// <summary>On a <see cref="EventKind.SocketSnapshot"/> read with TCP_INFO: what the kernel knew about the connection then.</summary>
    public TcpInfo? Tcp { get; init; }

    /// <summary>On a proxy's access-log line: the status of each upstream attempt, in order ("502", "200" when nginx retried).</summary>
    public IReadOnlyList<string>? UpstreamStatuses { get; init; }

    /// <summary>The event as one line of text, as <see cref="TimelineFormat.Line"/> writes it.</summary>
    public override string ToString() => TimelineFormat.Line(this);
}
