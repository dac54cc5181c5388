using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Tests;

public sealed class LabTests
{
    [Fact]
    public async Task Directory_DuringTheRun_ExistsUnderTheTempRootAndIsGoneAfterDispose()
    {
        var lab = new LabSandbox("dir check/1");
        string dir;
        await using (lab)
        {
            dir = lab.Directory;
            Assert.True(Directory.Exists(dir));
            Assert.Equal(LabSandbox.TempRoot, Path.GetDirectoryName(dir));
            Assert.StartsWith($"dir-check-1-{Environment.ProcessId}-", Path.GetFileName(dir));
            await File.WriteAllTextAsync(Path.Combine(dir, "scratch.txt"), "a file the run left behind");
        }

        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public async Task IdleAsync_AGap_IsRecordedWithItsReasonAndWaitedOut()
    {
        await using var lab = new LabSandbox("idle");
        var gap = TimeSpan.FromMilliseconds(200);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await lab.IdleAsync(gap, "past the middlebox's idle timeout");

        // Waited out, not skipped: a timer may fire a few milliseconds before a Stopwatch says the time is up.
        Assert.True(clock.Elapsed >= gap - TimeSpan.FromMilliseconds(50), $"{clock.Elapsed}");
        var idle = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Idle);
        Assert.Equal((Side.Lab, (TimeSpan?)gap), (idle.Side, idle.Duration));
        Assert.EndsWith("past the middlebox's idle timeout", idle.Detail);
    }

    [Fact]
    public async Task DisposeAsync_SeveralParts_StopsThemInReverseOrder()
    {
        var lab = new LabSandbox("reverse-order");
        await using (lab)
        {
            await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "first" });
            await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "second" });
            await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "third" });
        }

        var stopped = lab.Timeline.Snapshot().Where(e => e.Kind == EventKind.PartStopped).Select(e => e.Actor);
        Assert.Equal(["third", "second", "first"], stopped);
    }

    [Fact]
    public async Task DisposeAsync_APartThatFailsToStop_IsNotedAndTheOthersStillStop()
    {
        var lab = new LabSandbox("failing-part");
        var before = new Part();
        var after = new Part();
        await using (lab)
        {
            lab.Own(before, "before");
            lab.Own(new Part { Fails = true }, "broken");
            lab.Own(after, "after");
        }

        Assert.True(before.Disposed);
        Assert.True(after.Disposed);
        var note = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Note);
        Assert.Equal(Side.Lab, note.Side);
    }

    [Fact]
    public async Task DisposeAsync_Twice_StopsEachPartOnce()
    {
        var lab = new LabSandbox("dispose-twice");
        var part = lab.Own(new Part(), "part");

        await lab.DisposeAsync();
        await lab.DisposeAsync();

        Assert.Equal(1, part.DisposeCount);
    }

    [Fact]
    public async Task Own_AfterDispose_Throws()
    {
        var lab = new LabSandbox("own-after-dispose");
        await lab.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => lab.Own(new Part(), "late"));
    }

    [Fact]
    public void FreePort_BelowTheKernelsEphemeralRange_CanBeBoundOnLoopback()
    {
        // Below the range the kernel hands to bind(0) and connect(): no other socket can take it before the program binds.
        var first = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
        var port = LabSandbox.FreePort();

        Assert.InRange(port, Math.Max(1024, first - 12_000), first - 1);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
        listener.Listen(1);
        Assert.Equal(port, ((IPEndPoint)listener.LocalEndPoint!).Port);
    }

    [Fact]
    public async Task Timeline_OfTheLab_UsesTheLabsClock()
    {
        await using var lab = new LabSandbox("clock");

        Assert.Same(TimeProvider.System, lab.Time);
        Assert.Equal("clock", lab.Name);
        Assert.InRange(lab.Timeline.Now, TimeSpan.Zero, Bound.Wait);
    }

    private sealed class Part : IAsyncDisposable
    {
        public bool Fails { get; init; }

        public int DisposeCount { get; private set; }

        public bool Disposed => DisposeCount > 0;

        public ValueTask DisposeAsync()
        {
            DisposeCount++;
            return Fails ? ValueTask.FromException(new InvalidOperationException("it would not stop")) : ValueTask.CompletedTask;
        }
    }
}
