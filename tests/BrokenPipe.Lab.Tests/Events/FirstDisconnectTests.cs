namespace BrokenPipe.Lab.Tests.Events;

public sealed class FirstDisconnectTests
{
    [Theory]
    [InlineData(CloseHow.Fin, "FIN")]
    [InlineData(CloseHow.Rst, "RST")]
    [InlineData(CloseHow.Drop, "drop")]
    public void Find_OneCloseEvent_ReportsItsSideTimeAndHow(CloseHow closed, string how)
    {
        LabEvent[] events =
        [
            At(1, Side.Client, EventKind.Connected),
            At(2, Side.Server, EventKind.ClosedFin, actor: "the-closer") with { Closed = closed },
        ];

        var first = FirstDisconnect.Find(events);

        Assert.Equal(new FirstDisconnect(Side.Server, TimeSpan.FromMilliseconds(2), how, "the-closer"), first);
    }

    [Fact]
    public void Find_AnyKindWithClosed_Counts_SoANewPartNeedsNoChangeHere()
    {
        LabEvent[] events = [At(1, Side.Redis, EventKind.RedisLog, actor: "redis") with { Closed = CloseHow.Fin }];

        Assert.Equal(new FirstDisconnect(Side.Redis, TimeSpan.FromMilliseconds(1), "FIN", "redis"), FirstDisconnect.Find(events));
    }

    [Fact]
    public void Find_ObservationOfThePeersClose_NamesThePeer()
    {
        LabEvent[] events =
        [
            At(1, Side.Server, EventKind.KestrelReset, SocketFailure.ConnectionReset, 104, "kestrel#1") with { Peer = Side.Proxy, Closed = CloseHow.Rst },
            At(2, Side.Proxy, EventKind.ClosedRst, actor: "nginx") with { Closed = CloseHow.Rst },
        ];

        Assert.Equal(new FirstDisconnect(Side.Proxy, TimeSpan.FromMilliseconds(1), "RST", null), FirstDisconnect.Find(events));
    }

    [Fact]
    public void Find_ConsequencesWithoutClosed_AreIgnored()
    {
        LabEvent[] events =
        [
            At(1, Side.Server, EventKind.EndOfStream, SocketFailure.EndOfStream),
            At(2, Side.Server, EventKind.KestrelReceivedFin, SocketFailure.EndOfStream),
            At(3, Side.Server, EventKind.KestrelReset, SocketFailure.ConnectionReset, 104),
            At(4, Side.Client, EventKind.ReceiveFailed, SocketFailure.ConnectionReset, 104),
            At(5, Side.Client, EventKind.ClosedRst, actor: "client") with { Closed = CloseHow.Rst },
            At(6, Side.Server, EventKind.ClosedFin, actor: "server") with { Closed = CloseHow.Fin },
        ];

        var first = FirstDisconnect.Find(events);

        Assert.Equal(new FirstDisconnect(Side.Client, TimeSpan.FromMilliseconds(5), "RST", "client"), first);
    }

    [Fact]
    public void Find_ReplyClose_IsNotTheFirst()
    {
        LabEvent[] events =
        [
            At(1, Side.Server, EventKind.KestrelSendingFin) with { Closed = CloseHow.Fin, Reply = true },
            At(2, Side.Client, EventKind.ClosedRst) with { Closed = CloseHow.Rst },
        ];

        Assert.Equal((Side.Client, "RST"), (FirstDisconnect.Find(events)?.Side, FirstDisconnect.Find(events)?.How));
    }

    [Fact]
    public void Find_SeveralCloses_PicksTheEarliest()
    {
        LabEvent[] events =
        [
            At(3, Side.Client, EventKind.ClosedRst) with { Closed = CloseHow.Rst },
            At(1, Side.Server, EventKind.KestrelSendingFin) with { Closed = CloseHow.Fin },
            At(2, Side.Client, EventKind.ClosedFin) with { Closed = CloseHow.Fin },
        ];

        var first = FirstDisconnect.Find(events);

        Assert.NotNull(first);
        Assert.Equal((Side.Server, "FIN"), (first.Side, first.How));
    }

    [Fact]
    public void Find_NoClose_IsNull()
    {
        LabEvent[] events =
        [
            At(1, Side.Server, EventKind.EndOfStream, SocketFailure.EndOfStream),
            At(2, Side.Server, EventKind.PeerClosed),
        ];

        Assert.Null(FirstDisconnect.Find(events));
        Assert.Null(FirstDisconnect.Find([]));
    }

    private static LabEvent At(double ms, Side side, EventKind kind, SocketFailure? failure = null, int? errno = null, string? actor = null) =>
        new(TimeSpan.FromMilliseconds(ms), side, kind, failure, errno, kind.ToString()) { Actor = actor };
}
