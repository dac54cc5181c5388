namespace BrokenPipe.Lab.Events;

/// <summary>
/// The merged record of what every side saw, on one monotonic clock. Thread-safe: parts, clients and log
/// tailers append from their own threads; scenarios wait on it instead of sleeping.
/// </summary>
public sealed class Timeline
{
    private readonly Lock _gate = new();
    private readonly List<LabEvent> _events = [];
    private readonly List<Waiter> _waiters = [];
    private readonly TimeProvider _time;
    private readonly long _origin;

    public Timeline(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _origin = _time.GetTimestamp();
    }

    /// <summary>Raised after an event is appended (on the recording thread). The CLI narrates live from it.</summary>
    public event Action<LabEvent>? Recorded;

    /// <summary>Time on the lab's clock.</summary>
    public TimeSpan Now => _time.GetElapsedTime(_origin);

    public IReadOnlyList<LabEvent> Snapshot()
    {
        lock (_gate) return [.. _events];
    }

    /// <summary>
    /// Appends <paramref name="draft"/> stamped with the lab's clock (<see cref="LabEvent.At"/> is set here), wakes the
    /// waiters it matches, raises <see cref="Recorded"/>, and returns the stamped event.
    /// </summary>
    public LabEvent Record(LabEvent draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        LabEvent e;
        List<Waiter>? done = null;
        lock (_gate)
        {
            // Stamped inside the lock so that the list is ordered by time.
            e = draft with { At = Now };
            _events.Add(e);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (!_waiters[i].Predicate(e)) continue;
                (done ??= []).Add(_waiters[i]);
                _waiters.RemoveAt(i);
            }
        }
        if (done is not null)
        {
            foreach (var w in done) w.Completion.TrySetResult(e);
        }
        Recorded?.Invoke(e);
        return e;
    }

    /// <summary>
    /// Records a <see cref="EventKind.Note"/>: a sentence for people (what the lab set up, what a step decided). What a check
    /// matches on belongs in a kind and a typed field, recorded with <see cref="Record(LabEvent)"/>.
    /// </summary>
    public LabEvent Note(Side side, string detail, string? actor = null) =>
        Record(new LabEvent(side, EventKind.Note, detail) { Actor = actor });

    /// <summary>Records an exception as a failure of the given kind, classified by the one classifier.</summary>
    /// <remarks>Bytes, an index or any other field: build the event and call <see cref="RecordFailure(LabEvent, Exception)"/>.</remarks>
    public LabEvent RecordFailure(Side side, EventKind kind, Exception exception, string? actor = null, string? context = null, Side? peer = null) =>
        RecordFailure(new LabEvent(side, kind, context ?? "") { Actor = actor, Peer = peer }, exception);

    /// <summary>
    /// Records <paramref name="draft"/> as a failure from <paramref name="exception"/>: the one classifier sets
    /// <see cref="LabEvent.Failure"/> and <see cref="LabEvent.Errno"/>, <see cref="LabEvent.Exceptions"/> is the chain's
    /// type names, <see cref="LabEvent.Verbatim"/> its messages, and the detail becomes "draft's detail: the exception chain". A reset observed from
    /// <see cref="LabEvent.Peer"/> is that peer's RST (<see cref="LabEvent.Closed"/>); any other failure keeps no peer.
    /// </summary>
    public LabEvent RecordFailure(LabEvent draft, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var (failure, errno) = SocketFailures.Classify(exception);
        var description = SocketFailures.Describe(exception);
        var reset = failure == SocketFailure.ConnectionReset && draft.Peer is not null;
        return Record(draft with
        {
            Detail = draft.Detail.Length > 0 ? $"{draft.Detail}: {description}" : description,
            Failure = failure,
            Errno = errno,
            Peer = reset ? draft.Peer : null,
            Closed = reset ? CloseHow.Rst : draft.Closed,
            Exceptions = Chain(exception),
            Verbatim = description,
        });
    }

    private static string[] Chain(Exception exception)
    {
        var names = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException) names.Add(e.GetType().Name);
        return [.. names];
    }

    /// <summary>
    /// Waits until an event matching <paramref name="predicate"/> is on the timeline (already, or later) and returns it.
    /// On timeout it throws <see cref="TimelineTimeoutException"/> whose message holds the timeline so far.
    /// </summary>
    public async Task<LabEvent> WaitForAsync(
        Func<LabEvent, bool> predicate,
        TimeSpan timeout,
        string? what = null,
        CancellationToken cancellationToken = default)
    {
        var waiter = new Waiter(predicate);
        lock (_gate)
        {
            foreach (var e in _events)
            {
                if (predicate(e)) return e;
            }
            _waiters.Add(waiter);
        }
        try
        {
            return await waiter.Completion.Task.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate) _waiters.Remove(waiter);
            throw new TimelineTimeoutException(what ?? "a matching event", timeout, Snapshot());
        }
        catch (OperationCanceledException)
        {
            lock (_gate) _waiters.Remove(waiter);
            throw;
        }
    }

    /// <summary>Shorthand for waiting on a kind (and optionally a side and actor).</summary>
    public Task<LabEvent> WaitForAsync(
        EventKind kind,
        TimeSpan timeout,
        Side? side = null,
        string? actor = null,
        CancellationToken cancellationToken = default) =>
        WaitForAsync(
            e => e.Kind == kind && (side is null || e.Side == side) && (actor is null || e.Actor == actor),
            timeout,
            $"{TimelineFormat.KindName(kind)}" + (side is null ? "" : $" on {TimelineFormat.SideName(side.Value)}") + (actor is null ? "" : $" [{actor}]"),
            cancellationToken);

    /// <summary>Who closed first: the earliest close, or observation of one, on the timeline (the events with <see cref="LabEvent.Closed"/>); null when nobody closed.</summary>
    public FirstDisconnect? FirstDisconnect() => Events.FirstDisconnect.Find(Snapshot());

    private sealed record Waiter(Func<LabEvent, bool> Predicate)
    {
        public TaskCompletionSource<LabEvent> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
