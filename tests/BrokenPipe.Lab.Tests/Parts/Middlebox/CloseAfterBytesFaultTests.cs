using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class CloseAfterBytesFaultTests
{
    [Fact]
    public async Task DownloadLongerThanN_ClientGetsExactlyNBytesThenACleanEof()
    {
        await using var lab = new LabSandbox("mb-close-bytes");
        using var hop = await Hop.OpenAsync(lab, new CloseAfterBytesFault(3000));
        var body = Wire.Pattern(10_000);

        await Wire.SendAsync(hop.Client, "GET"u8.ToArray()); // upstream is not counted
        Assert.Equal("GET"u8.ToArray(), await Wire.ReadExactlyAsync(hop.Target, 3));
        await Wire.SendAsync(hop.Target, body);
        var atClient = await Wire.ReadToEndAsync(hop.Client, Bound.Wait);

        Assert.Equal(ReadEndKind.Eof, atClient.Kind); // a FIN, not an RST
        Assert.Equal(body[..3000], atClient.Bytes);
        await lab.Timeline.WaitForAsync(EventKind.ClosedFin, Bound.Wait, Side.Middlebox, "middlebox#1");
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Kind == EventKind.ClosedRst);
    }

    [Fact]
    public async Task NSpreadOverSeveralChunks_TheCutFallsInsideTheLastOne()
    {
        await using var lab = new LabSandbox("mb-close-bytes-chunks");
        using var hop = await Hop.OpenAsync(lab, new CloseAfterBytesFault(250));

        // Each 100-byte piece is read back by the client before the next is sent, so the middlebox sees separate chunks.
        await Wire.SendAsync(hop.Target, Wire.Pattern(100));
        await Wire.ReadExactlyAsync(hop.Client, 100);
        await Wire.SendAsync(hop.Target, Wire.Pattern(100));
        await Wire.ReadExactlyAsync(hop.Client, 100);
        await Wire.SendAsync(hop.Target, Wire.Pattern(100));
        var rest = await Wire.ReadToEndAsync(hop.Client, Bound.Wait);

        Assert.Equal(ReadEndKind.Eof, rest.Kind);
        Assert.Equal(Wire.Pattern(50), rest.Bytes);
    }
}
