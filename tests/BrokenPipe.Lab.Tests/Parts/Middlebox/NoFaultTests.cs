using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class NoFaultTests
{
    [Fact]
    public async Task Forward_BytesBothWays_ArriveUnchanged()
    {
        await using var lab = new LabSandbox("mb-nofault-bytes");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance);
        var up = Wire.Pattern(200_000);
        var down = Wire.Pattern(300_000).Reverse().ToArray();

        var upload = Wire.SendAsync(hop.Client, up);
        var atTarget = await Wire.ReadExactlyAsync(hop.Target, up.Length);
        await upload;
        var download = Wire.SendAsync(hop.Target, down);
        var atClient = await Wire.ReadExactlyAsync(hop.Client, down.Length);
        await download;

        Assert.Equal(up, atTarget);
        Assert.Equal(down, atClient);
    }

    [Fact]
    public async Task ClientFin_ReachesTheTargetAsEof_AndTheTargetCanStillAnswer()
    {
        await using var lab = new LabSandbox("mb-nofault-client-fin");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance);
        await hop.ExchangeAsync("hello"u8.ToArray(), "world"u8.ToArray());

        hop.Client.Shutdown(SocketShutdown.Send);
        var atTarget = await Wire.ReadToEndAsync(hop.Target, Bound.Wait);

        Assert.Equal((0, ReadEndKind.Eof), (atTarget.Bytes.Length, atTarget.Kind));
        // Half-closed, not closed: the other direction still carries bytes.
        await Wire.SendAsync(hop.Target, "after your FIN"u8.ToArray());
        Assert.Equal("after your FIN"u8.ToArray(), await Wire.ReadExactlyAsync(hop.Client, 14));
    }

    [Fact]
    public async Task TargetFin_ReachesTheClientAsEofAfterTheBytesBeforeIt()
    {
        await using var lab = new LabSandbox("mb-nofault-target-fin");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance);
        await hop.ExchangeAsync("hello"u8.ToArray(), "world"u8.ToArray());

        await Wire.SendAsync(hop.Target, "bye"u8.ToArray());
        hop.Target.Shutdown(SocketShutdown.Send);
        var atClient = await Wire.ReadToEndAsync(hop.Client, Bound.Wait);

        Assert.Equal(ReadEndKind.Eof, atClient.Kind);
        Assert.Equal("bye"u8.ToArray(), atClient.Bytes);
    }

    [Fact]
    public async Task TargetRst_ReachesTheClientAsEconnreset()
    {
        await using var lab = new LabSandbox("mb-nofault-target-rst");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance);
        await hop.ExchangeAsync("hello"u8.ToArray(), "world"u8.ToArray());

        hop.Target.LingerState = new LingerOption(true, 0);
        hop.Target.Close(); // an RST
        var atClient = await Wire.ReadToEndAsync(hop.Client, Bound.Wait);

        Assert.True(atClient.IsReset && atClient.Bytes.Length == 0, $"client: {atClient}");
    }

    [Fact]
    public async Task ClientRst_ReachesTheTargetAsEconnreset()
    {
        await using var lab = new LabSandbox("mb-nofault-client-rst");
        using var hop = await Hop.OpenAsync(lab, NoFault.Instance);
        await hop.ExchangeAsync("hello"u8.ToArray(), "world"u8.ToArray());

        hop.Client.LingerState = new LingerOption(true, 0);
        hop.Client.Close(); // an RST
        var atTarget = await Wire.ReadToEndAsync(hop.Target, Bound.Wait);

        Assert.True(atTarget.IsReset && atTarget.Bytes.Length == 0, $"target: {atTarget}");
    }
}
