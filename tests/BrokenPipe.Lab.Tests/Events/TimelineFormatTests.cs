namespace BrokenPipe.Lab.Tests.Events;

public sealed class TimelineFormatTests
{
    [Theory]
    [InlineData(EventKind.WriteIntoVoid, "write-into-void")]
    [InlineData(EventKind.Sent, "sent")]
    [InlineData(EventKind.KestrelReceivedFin, "kestrel-received-fin")]
    [InlineData(EventKind.ClosedRst, "closed-rst")]
    [InlineData(EventKind.PartStarted, "part-started")]
    public void KindName_AnyKind_IsKebabCase(EventKind kind, string expected)
    {
        Assert.Equal(expected, TimelineFormat.KindName(kind));
    }

    [Fact]
    public void SideName_AnySide_IsLowerCase()
    {
        Assert.Equal("client", TimelineFormat.SideName(Side.Client));
        Assert.Equal("middlebox", TimelineFormat.SideName(Side.Middlebox));
    }

    [Fact]
    public void Line_FailureWithErrnoAndActor_ShowsThemAll()
    {
        var e = new LabEvent(TimeSpan.FromMilliseconds(12.34), Side.Server, EventKind.SendFailed, SocketFailure.BrokenPipe, 32, "send #2 failed") { Actor = "raw-server" };

        var line = TimelineFormat.Line(e);

        Assert.Contains("12.3 ms", line);
        Assert.Contains("server", line);
        Assert.Contains("send-failed", line);
        Assert.Contains("broken-pipe (EPIPE 32)", line);
        Assert.Contains("[raw-server]", line);
        Assert.EndsWith("send #2 failed", line);
        Assert.Equal(line, e.ToString());
    }
}
