using System.Diagnostics;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class ResetFaultTests
{
    private const string Target = "target";

    [Fact]
    public async Task Immediately_Client_GetsEconnresetBeforeAnyByte()
    {
        await using var lab = new LabSandbox("mb-reset-now");
        using var listener = Wire.Listen();
        var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), ResetFault.Immediately());

        var end = await Wire.ConnectAndReadToEndAsync(box.Endpoint, Bound.Wait);

        Assert.Equal((0, ReadEndKind.Error, SocketError.ConnectionReset), (end.Bytes.Length, end.Kind, end.Error));
        await lab.Timeline.WaitForAsync(EventKind.ClosedRst, Bound.Wait, Side.Middlebox, "middlebox#1");
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Connected && e.Side == Side.Middlebox);
    }

    [Fact]
    public async Task Immediately_FirstFlowsOne_ResetsTheFirstConnectionAndLetsTheSecondThrough()
    {
        await using var lab = new LabSandbox("mb-reset-first");
        using var listener = Wire.Listen();
        var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), ResetFault.Immediately(firstFlows: 1));

        var firstEnd = await Wire.ConnectAndReadToEndAsync(box.Endpoint, Bound.Wait);
        using var second = await Wire.ConnectAsync(box.Endpoint);
        using var target = await Wire.AcceptAsync(listener);
        await Wire.SendAsync(second, "retry"u8.ToArray());
        var atTarget = await Wire.ReadExactlyAsync(target, 5);
        await Wire.SendAsync(target, "ok"u8.ToArray());
        var atClient = await Wire.ReadExactlyAsync(second, 2);

        Assert.True(firstEnd.IsReset, $"first connection: {firstEnd}");
        Assert.Equal("retry"u8.ToArray(), atTarget);
        Assert.Equal("ok"u8.ToArray(), atClient);
        var resets = lab.Timeline.Snapshot().Where(e => e.Kind == EventKind.ClosedRst && e.Side == Side.Middlebox).Select(e => e.Actor).Distinct();
        Assert.Equal(["middlebox#1"], resets);
    }

    [Fact]
    public async Task AfterBytesInDownstream_ClientGetsExactlyNBytesThenEconnreset_AndTheTargetsNextSendFails()
    {
        await using var lab = new LabSandbox("mb-reset-bytes");
        // A slow producer: 1 KB per send() every 100 ms; the reset comes within the first 1500 bytes the middlebox
        // reads. The producer must still be sending then, however late the middlebox gets to read: with 8 KB in all a
        // middlebox delayed by 0.7 s (a busy thread pool) read the whole response at once, the target had finished,
        // and no send of it ever failed. 64 KB keeps it sending for 6.4 s; it stops at its first failed send.
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions
        {
            Name = Target,
            Read = RequestRead.None,
            Http = false,
            ResponseBytes = 64 * 1024,
            ChunkBytes = 1024,
            GapBetweenChunks = TimeSpan.FromMilliseconds(100),
        });
        var box = await TcpMiddlebox.StartAsync(lab, server.Endpoint, ResetFault.AfterBytesIn(Direction.Downstream, 1500));

        using var client = await Wire.ConnectAsync(box.Endpoint);
        var end = await Wire.ReadToEndAsync(client, Bound.Wait);
        var failed = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.SendFailed && e.Side == Side.Server && e.Actor == Target, Bound.Wait, "the target's send after the reset");

        Assert.Equal((1500, ReadEndKind.Error, SocketError.ConnectionReset), (end.Bytes.Length, end.Kind, end.Error));
        Assert.All(end.Bytes, b => Assert.Equal((byte)'x', b));
        Assert.Contains(failed.Errno, new int?[] { Errno.ECONNRESET, Errno.EPIPE });
        if (failed.Errno == Errno.ECONNRESET) Assert.Equal(Side.Middlebox, failed.Peer); // the RST is the middlebox's
    }

    [Fact]
    public async Task AfterBytesInUpstream_TargetGetsExactlyNBytesThenEconnreset_AndTheClientToo()
    {
        await using var lab = new LabSandbox("mb-reset-bytes-up");
        using var hop = await Hop.OpenAsync(lab, ResetFault.AfterBytesIn(Direction.Upstream, 4));

        await Wire.SendAsync(hop.Client, "0123456789"u8.ToArray());
        var target = Wire.ReadToEndAsync(hop.Target, Bound.Wait);
        var client = Wire.ReadToEndAsync(hop.Client, Bound.Wait);
        var (atTarget, atClient) = (await target, await client);

        Assert.Equal("0123"u8.ToArray(), atTarget.Bytes);
        Assert.True(atTarget.IsReset, $"target: {atTarget}");
        Assert.True(atClient.IsReset && atClient.Bytes.Length == 0, $"client: {atClient}");
    }

    [Fact]
    public async Task After_NoFurtherTraffic_BothReadsFailWithEconnresetTAfterTheFirstByte()
    {
        var t = TimeSpan.FromMilliseconds(300);
        await using var lab = new LabSandbox("mb-reset-timer");
        using var hop = await Hop.OpenAsync(lab, ResetFault.After(t));

        var clock = Stopwatch.StartNew();
        await Wire.SendAsync(hop.Client, "x"u8.ToArray()); // the first byte starts the timer
        Assert.Equal("x"u8.ToArray(), await Wire.ReadExactlyAsync(hop.Target, 1));
        var client = Wire.ReadToEndAsync(hop.Client, Bound.Wait);
        var target = Wire.ReadToEndAsync(hop.Target, Bound.Wait);
        var atClient = await client;
        var elapsed = clock.Elapsed;
        var atTarget = await target;

        Assert.True(atClient.IsReset && atClient.Bytes.Length == 0, $"client: {atClient}");
        Assert.True(atTarget.IsReset && atTarget.Bytes.Length == 0, $"target: {atTarget}");
        Assert.InRange(elapsed, t - Wire.Slack, t + TimeSpan.FromSeconds(3));
    }
}
