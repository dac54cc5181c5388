namespace BrokenPipe.Lab.Tests.Events;

public sealed class FirstDisconnectTests
{
    [Theory]
    [InlineData(EventKind.ClosedFin, "FIN")]
    [InlineData(EventKind.HalfClosed, "FIN")]
    [InlineData(EventKind.KestrelSendingFin, "FIN")]
    [InlineData(EventKind.ClosedRst, "RST")]
    [InlineData(EventKind.KestrelSendingRst, "RST")]
    [InlineData(EventKind.FlowDropped, "drop")]
    public void Find_OneCloseEvent_ReportsItsSideTimeAndHow(EventKind kind, string how)
    {
        LabEvent[] events =
        [
            At(1, Side.Client, EventKind.Connected),
            At(2, Side.Server, kind, actor: "the-closer"),
        ];

        var first = FirstDisconnect.Find(events);

        Assert.Equal(new FirstDisconnect(Side.Server, TimeSpan.FromMilliseconds(2), how, "the-closer"), first);
    }

    [Fact]
    public void Find_ConsequencesBeforeTheClose_AreIgnored()
    {
        LabEvent[] events =
        [
            At(1, Side.Server, EventKind.EndOfStream, SocketFailure.EndOfStream),
            At(2, Side.Server, EventKind.KestrelReceivedFin, SocketFailure.EndOfStream),
            At(3, Side.Server, EventKind.KestrelReset, SocketFailure.ConnectionReset, 104),
            At(4, Side.Client, EventKind.ReceiveFailed, SocketFailure.ConnectionReset, 104),
            At(5, Side.Client, EventKind.ClosedRst, actor: "client"),
            At(6, Side.Server, EventKind.ClosedFin, actor: "server"),
        ];

        var first = FirstDisconnect.Find(events);

        Assert.Equal(new FirstDisconnect(Side.Client, TimeSpan.FromMilliseconds(5), "RST", "client"), first);
    }

    [Fact]
    public void Find_SeveralCloses_PicksTheEarliest()
    {
        LabEvent[] events =
        [
            At(1, Side.Server, EventKind.KestrelSendingFin),
            At(2, Side.Client, EventKind.ClosedFin),
            At(3, Side.Client, EventKind.ClosedRst),
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
            At(2, Side.Server, EventKind.KestrelReceivedFin),
            At(3, Side.Server, EventKind.KestrelReset, SocketFailure.ConnectionReset, 104),
            At(4, Side.Server, EventKind.PeerClosed),
        ];

        Assert.Null(FirstDisconnect.Find(events));
        Assert.Null(FirstDisconnect.Find([]));
    }

    private static LabEvent At(double ms, Side side, EventKind kind, SocketFailure? failure = null, int? errno = null, string? actor = null) =>
        new(TimeSpan.FromMilliseconds(ms), side, kind, failure, errno, kind.ToString()) { Actor = actor };
}
