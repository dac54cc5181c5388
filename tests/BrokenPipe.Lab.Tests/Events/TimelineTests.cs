using System.Diagnostics;

namespace BrokenPipe.Lab.Tests.Events;

public sealed class TimelineTests
{
    [Fact]
    public void Record_OnAManualClock_StampsTimeSinceTheTimelineStarted()
    {
        var clock = new ManualClock();
        clock.Advance(TimeSpan.FromSeconds(100)); // the origin is not zero
        var timeline = new Timeline(clock);

        clock.Advance(TimeSpan.FromMilliseconds(5));
        var first = timeline.Record(new LabEvent(Side.Client, EventKind.Connected, "a"));
        clock.Advance(TimeSpan.FromMilliseconds(7));
        var second = timeline.Record(new LabEvent(Side.Server, EventKind.Accepted, "b"));

        Assert.Equal(TimeSpan.FromMilliseconds(5), first.At);
        Assert.Equal(TimeSpan.FromMilliseconds(12), second.At);
        Assert.Equal(TimeSpan.FromMilliseconds(12), timeline.Now);
    }

    [Fact]
    public void RecordFailure_AResetObservedFromThePeer_IsClassifiedAndNamesThePeersRst()
    {
        var timeline = new Timeline();
        var reset = new IOException("Unable to read data from the transport connection", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset));

        var e = timeline.RecordFailure(new LabEvent(Side.Client, EventKind.ReceiveFailed, "read #1") { Actor = "probe", Peer = Side.Middlebox }, reset);

        Assert.Equal((SocketFailure.ConnectionReset, (int?)104, (Side?)Side.Middlebox, (CloseHow?)CloseHow.Rst), (e.Failure, e.Errno, e.Peer, e.Closed));
        Assert.Equal(["IOException", "SocketException"], e.Exceptions);
        Assert.StartsWith("read #1: IOException", e.Detail);
        Assert.Equal((Side.Middlebox, "RST"), (timeline.FirstDisconnect()?.Side, timeline.FirstDisconnect()?.How));
    }

    [Fact]
    public void RecordFailure_NotAReset_KeepsNoPeerAndNoClose()
    {
        var timeline = new Timeline();

        var e = timeline.RecordFailure(new LabEvent(Side.Client, EventKind.SendFailed, "send #2") { Peer = Side.Server }, new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.Shutdown));

        Assert.Equal((SocketFailure.BrokenPipe, (Side?)null, (CloseHow?)null), (e.Failure, e.Peer, e.Closed));
        Assert.Null(timeline.FirstDisconnect());
    }

    [Fact]
    public void Record_FromManyThreads_KeepsEveryEventInNonDecreasingTimeOrder()
    {
        var timeline = new Timeline();

        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => timeline.Record(new LabEvent(Side.Lab, EventKind.Note, $"n{i}") { Index = i }));

        var events = timeline.Snapshot();
        Assert.Equal(2000, events.Count);
        for (var i = 1; i < events.Count; i++) Assert.True(events[i].At >= events[i - 1].At, $"event {i} at {events[i].At} is before event {i - 1} at {events[i - 1].At}");
        Assert.Equal(Enumerable.Range(0, 2000), events.Select(e => e.Index!.Value).Order());
    }

    [Fact]
    public void Record_AllFields_AreKeptOnTheEvent()
    {
        var timeline = new Timeline();

        var e = timeline.Record(new LabEvent(Side.Server, EventKind.SendFailed, "send #2 failed") { Failure = SocketFailure.BrokenPipe, Errno = 32, Actor = "raw-server", Bytes = 4096, Index = 2, Status = 200 });

        Assert.Equal((Side.Server, EventKind.SendFailed, SocketFailure.BrokenPipe, 32, "send #2 failed"), (e.Side, e.Kind, e.Failure, e.Errno, e.Detail));
        Assert.Equal(("raw-server", 4096L, 2, 200), (e.Actor, e.Bytes!.Value, e.Index!.Value, e.Status!.Value));
        Assert.Same(e, Assert.Single(timeline.Snapshot()));
    }

    [Fact]
    public void RecordFailure_ResetException_IsClassifiedAndDescribed()
    {
        var timeline = new Timeline();

        var e = timeline.RecordFailure(
            Side.Client,
            EventKind.ReceiveFailed,
            new IOException("read failed", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionReset)),
            "client",
            "after 10 bytes");

        Assert.Equal((SocketFailure.ConnectionReset, 104), (e.Failure, e.Errno));
        Assert.StartsWith("after 10 bytes: IOException: read failed → SocketException (104)", e.Detail);
        Assert.Equal("client", e.Actor);
    }

    [Fact]
    public async Task WaitForAsync_EventAlreadyRecorded_ReturnsIt()
    {
        var timeline = new Timeline();
        var recorded = timeline.Record(new LabEvent(Side.Server, EventKind.Accepted, "accepted") { Actor = "raw-server" });

        var found = await timeline.WaitForAsync(EventKind.Accepted, Bound.Wait, Side.Server, "raw-server");

        Assert.Same(recorded, found);
    }

    [Fact]
    public async Task WaitForAsync_EventRecordedLaterOnAnotherThread_ReturnsIt()
    {
        var timeline = new Timeline();
        var wait = timeline.WaitForAsync(EventKind.Accepted, Bound.Wait, Side.Server, "raw-server");
        Assert.False(wait.IsCompleted);

        // Near misses (wrong kind, wrong side, wrong actor) must not complete the wait.
        timeline.Record(new LabEvent(Side.Server, EventKind.Connected, "wrong kind") { Actor = "raw-server" });
        timeline.Record(new LabEvent(Side.Client, EventKind.Accepted, "wrong side") { Actor = "raw-server" });
        timeline.Record(new LabEvent(Side.Server, EventKind.Accepted, "wrong actor") { Actor = "other" });
        Assert.False(wait.IsCompleted);

        var recorded = await Task.Run(() => timeline.Record(new LabEvent(Side.Server, EventKind.Accepted, "the one") { Actor = "raw-server" }));

        Assert.Same(recorded, await wait);
    }

    [Fact]
    public async Task WaitForAsync_Predicate_ReturnsTheFirstMatchingEvent()
    {
        var timeline = new Timeline();
        timeline.Record(new LabEvent(Side.Server, EventKind.Sent, "send #1") { Actor = "s", Index = 1 });
        var second = timeline.Record(new LabEvent(Side.Server, EventKind.SendFailed, "send #2") { Failure = SocketFailure.BrokenPipe, Errno = 32, Actor = "s", Index = 2 });
        timeline.Record(new LabEvent(Side.Server, EventKind.SendFailed, "send #3") { Failure = SocketFailure.BrokenPipe, Errno = 32, Actor = "s", Index = 3 });

        var found = await timeline.WaitForAsync(e => e.Errno == 32, Bound.Wait, "an EPIPE");

        Assert.Same(second, found);
    }

    [Fact]
    public async Task WaitForAsync_NothingComes_ThrowsTimelineTimeoutWithinTheBoundShowingTheTimelineSoFar()
    {
        var timeline = new Timeline();
        timeline.Record(new LabEvent(Side.Client, EventKind.Connected, "connected to the moon") { Actor = "probe" });
        var bound = TimeSpan.FromMilliseconds(150);
        var clock = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<TimelineTimeoutException>(() => timeline.WaitForAsync(EventKind.Accepted, bound, Side.Server));

        Assert.InRange(clock.Elapsed, bound - TimeSpan.FromMilliseconds(20), bound + TimeSpan.FromSeconds(3));
        Assert.Contains("accepted on server", e.Message);
        Assert.Contains("connected to the moon", e.Message);
        Assert.Contains("[probe]", e.Message);
        Assert.Equal("connected to the moon", Assert.Single(e.SoFar).Detail);
        Assert.IsAssignableFrom<TimeoutException>(e);
    }

    [Fact]
    public async Task WaitForAsync_AfterATimeout_LaterEventsStillRecordAndLaterWaitsStillWork()
    {
        var timeline = new Timeline();
        await Assert.ThrowsAsync<TimelineTimeoutException>(() => timeline.WaitForAsync(EventKind.Accepted, TimeSpan.FromMilliseconds(20)));

        var recorded = timeline.Record(new LabEvent(Side.Server, EventKind.Accepted, "late"));

        Assert.Same(recorded, await timeline.WaitForAsync(EventKind.Accepted, Bound.Wait));
    }

    [Fact]
    public async Task WaitForAsync_CanceledToken_ThrowsOperationCanceled()
    {
        var timeline = new Timeline();
        using var cts = new CancellationTokenSource();
        var wait = timeline.WaitForAsync(EventKind.Accepted, Bound.Wait, cancellationToken: cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public void Recorded_Subscriber_SeesEveryEventOnce()
    {
        var timeline = new Timeline();
        var seen = new List<LabEvent>();
        timeline.Recorded += seen.Add;

        var a = timeline.Record(new LabEvent(Side.Client, EventKind.RequestSent, "GET /"));
        var b = timeline.Record(new LabEvent(Side.Server, EventKind.RequestReceived, "GET /"));

        Assert.Equal([a, b], seen);
    }

    [Fact]
    public void FirstDisconnect_OnTheTimeline_IsTheEarliestClose()
    {
        var timeline = new Timeline();
        timeline.Record(new LabEvent(Side.Server, EventKind.KestrelReceivedFin, "received FIN") { Failure = SocketFailure.EndOfStream });
        timeline.Record(new LabEvent(Side.Client, EventKind.ClosedFin, "close()") { Actor = "client", Closed = CloseHow.Fin });
        timeline.Record(new LabEvent(Side.Server, EventKind.ClosedRst, "close()") { Actor = "server", Closed = CloseHow.Rst });

        var first = timeline.FirstDisconnect();

        Assert.NotNull(first);
        Assert.Equal((Side.Client, "FIN", "client"), (first.Side, first.How, first.Actor));
    }

    /// <summary>A clock the test moves by hand: one tick is one <see cref="TimeSpan"/> tick.</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
