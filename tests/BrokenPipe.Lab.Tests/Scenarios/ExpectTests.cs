namespace BrokenPipe.Lab.Tests.Scenarios;

public sealed class ExpectTests
{
    private static readonly LabEvent[] Events =
    [
        new(TimeSpan.FromMilliseconds(1), Side.Client, EventKind.ClosedFin, null, null, "close()") { Actor = "client", Closed = CloseHow.Fin },
        new(TimeSpan.FromMilliseconds(2), Side.Server, EventKind.Sent, null, null, "send #1") { Actor = "server", Index = 1 },
        new(TimeSpan.FromMilliseconds(3), Side.Server, EventKind.SendFailed, SocketFailure.BrokenPipe, 32, "send #2") { Actor = "server", Index = 2 },
    ];

    [Fact]
    public void Event_MatchingKindSideFailureErrnoActorAndIndex_Holds()
    {
        Assert.True(Expect.Event("send #2 EPIPE", new EventPattern(Side.Server, EventKind.SendFailed) { Failure = SocketFailure.BrokenPipe, Errno = 32, Actor = "server", Index = 2 }).Holds(Events));
    }

    [Theory]
    [InlineData(Side.Client, EventKind.SendFailed, null, null, null)]
    [InlineData(Side.Server, EventKind.SendFailed, 104, null, null)]
    [InlineData(Side.Server, EventKind.SendFailed, null, "other", null)]
    [InlineData(Side.Server, EventKind.SendFailed, null, null, 3)]
    public void Event_AnyFieldDiffers_DoesNotHold(Side side, EventKind kind, int? errno, string? actor, int? index)
    {
        Assert.False(Expect.Event("x", new EventPattern(side, kind) { Errno = errno, Actor = actor, Index = index }).Holds(Events));
    }

    [Fact]
    public void No_MatchingEvent_DoesNotHold()
    {
        Assert.False(Expect.No("no send fails", e => e.Kind == EventKind.SendFailed).Holds(Events));
        Assert.True(Expect.No("no RST", e => e.Kind == EventKind.ClosedRst).Holds(Events));
    }

    [Fact]
    public void FirstDisconnect_SideAndHow_HoldOnlyForTheFirstCloser()
    {
        Assert.True(Expect.FirstDisconnect(Side.Client).Holds(Events));
        Assert.True(Expect.FirstDisconnect(Side.Client, "FIN").Holds(Events));
        Assert.False(Expect.FirstDisconnect(Side.Client, "RST").Holds(Events));
        Assert.False(Expect.FirstDisconnect(Side.Server).Holds(Events));
        Assert.Equal("the client disconnects first (FIN)", Expect.FirstDisconnect(Side.Client, "FIN").Description);
    }

    [Fact]
    public void At_FirstMatchInsideTheWindow_Holds()
    {
        Func<LabEvent, bool> failed = e => e.Kind == EventKind.SendFailed;

        Assert.True(Expect.At("x", failed, TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(3)).Holds(Events));
        Assert.False(Expect.At("x", failed, TimeSpan.Zero, TimeSpan.FromMilliseconds(2)).Holds(Events));
        Assert.False(Expect.At("x", e => e.Kind == EventKind.ClosedRst, TimeSpan.Zero, TimeSpan.MaxValue).Holds(Events));
    }
}
