namespace BrokenPipe.Scenarios.Redis;

/// <summary>
/// The lab's two removed forms — <c>Timeline.Record</c> with one optional parameter per field and
/// <c>RespProbe.ReadAsync</c> returning <c>object?</c> — kept here, for RedisPubsubSlowSubscriber.cs alone, while that
/// file is edited on another branch. Its migration deletes this file: nothing else may call these.
/// </summary>
internal static class LegacyCalls
{
    /// <summary>The old <c>Timeline.Record</c>: it infers <see cref="LabEvent.Closed"/> for the socket-level kinds as the lab's did.</summary>
    [Obsolete("Record(new LabEvent(side, kind, detail) { Actor = …, Closed = … }) names every field it sets.", DiagnosticId = "BPL0002")]
    public static LabEvent Record(
        this Timeline timeline,
        Side side,
        EventKind kind,
        string detail,
        SocketFailure? failure = null,
        int? errno = null,
        string? actor = null,
        long? bytes = null,
        int? index = null,
        int? status = null,
        bool reply = false,
        Side? peer = null) =>
        timeline.Record(new LabEvent(side, kind, detail)
        {
            Failure = failure,
            Errno = errno,
            Actor = actor,
            Bytes = bytes,
            Index = index,
            Status = status,
            Reply = reply,
            Peer = peer,
            Closed = kind switch
            {
                EventKind.ClosedFin or EventKind.HalfClosed => CloseHow.Fin,
                EventKind.ClosedRst => CloseHow.Rst,
                EventKind.FlowDropped => CloseHow.Drop,
                EventKind.EndOfStream when peer is not null => CloseHow.Fin,
                EventKind.PeerClosed when peer is not null => failure == SocketFailure.ConnectionReset ? CloseHow.Rst : CloseHow.Fin,
                EventKind.ReceiveFailed or EventKind.SendFailed when peer is not null && failure == SocketFailure.ConnectionReset => CloseHow.Rst,
                _ => null,
            },
        });

    /// <summary>The old <c>RespProbe.ReadAsync</c>: the reply, or null after EOF, an error or the timeout alike.</summary>
    [Obsolete("null means EOF, error and timeout alike: use ReadReplyAsync, whose result says which.", DiagnosticId = "BPL0001")]
    public static async Task<object?> ReadAsync(this RespProbe probe, TimeSpan timeout) => (await probe.ReadReplyAsync(timeout)).Value;
}
