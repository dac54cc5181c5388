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

    public LabEvent Record(
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
        Side? peer = null,
        LibraryObservation? library = null)
    {
        LabEvent e;
        List<Waiter>? done = null;
        lock (_gate)
        {
            // Stamped inside the lock so that the list is ordered by time.
            e = new LabEvent(Now, side, kind, failure, errno, detail)
            {
                Actor = actor,
                Bytes = bytes,
                Index = index,
                Status = status,
                Reply = reply,
                Peer = peer,
                Library = library,
            };
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

    /// <summary>Records an exception as a failure of the given kind, classified by the one classifier.</summary>
    public LabEvent RecordFailure(Side side, EventKind kind, Exception exception, string? actor = null, string? context = null, long? bytes = null, int? index = null, Side? peer = null)
    {
        var (failure, errno) = SocketFailures.Classify(exception);
        var detail = SocketFailures.Describe(exception);
        if (context is not null) detail = $"{context}: {detail}";
        return Record(side, kind, detail, failure, errno, actor, bytes, index, peer: failure == SocketFailure.ConnectionReset ? peer : null);
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

    /// <summary>Who closed first: the earliest event in which a side itself closed (FIN or RST) its end of a connection.</summary>
    public FirstDisconnect? FirstDisconnect() => Events.FirstDisconnect.Find(Snapshot());

    private sealed record Waiter(Func<LabEvent, bool> Predicate)
    {
        public TaskCompletionSource<LabEvent> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
