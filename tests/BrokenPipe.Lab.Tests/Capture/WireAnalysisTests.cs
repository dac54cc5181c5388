using BrokenPipe.Lab.Capture;

namespace BrokenPipe.Lab.Tests.Capture;

/// <summary>Reading hand-built frames: who closed first, data after a FIN, the RST that answers it, a drop.</summary>
public sealed class WireAnalysisTests
{
    private const string C = "127.0.0.1:50000";
    private const string S = "127.0.0.1:8080";

    [Fact]
    public void Conversations_WriteAfterTheClientsFin_FinFirstThenDataThenRst()
    {
        var c = WireAnalysis.Conversations([
            F(1, 0.000, C, S, syn: true),
            F(2, 0.001, S, C, syn: true, ack: true),
            F(3, 0.002, C, S, len: 78),
            F(4, 0.300, C, S, fin: true),
            F(5, 1.000, S, C, len: 4096),
            F(6, 1.001, C, S, rst: true),
        ]).Single();

        Assert.Equal(C, c.Client);
        Assert.Equal(4, c.FirstClose!.Frame.Number);
        Assert.Equal("FIN", c.FirstClose.How);
        Assert.Equal([5], c.DataAfterPeerFin.Select(f => f.Number));
        Assert.Equal(5, c.Closes[1].Answers!.Number);
        Assert.Equal(5, c.FirstFailingSegment!.Number);
        Assert.Contains("broken pipe (EPIPE)", WireReport.Symptoms([c]));
    }

    [Fact]
    public void Conversations_SilenceThenRetransmissions_IsADrop()
    {
        var c = WireAnalysis.Conversations([
            F(1, 0.0, C, S, syn: true),
            F(2, 0.001, S, C, syn: true, ack: true),
            F(3, 0.1, C, S, len: 14),
            F(4, 0.101, S, C, len: 7),
            F(5, 3.2, C, S, len: 14),
            F(6, 3.41, C, S, len: 14, retransmission: true),
            F(7, 3.83, C, S, len: 14, retransmission: true),
        ]).Single();

        Assert.Null(c.FirstClose);
        Assert.Equal([6, 7], c.Retransmissions.Select(f => f.Number));
        Assert.InRange(c.Silence!.Value.TotalSeconds, 3.2, 3.4);
        Assert.StartsWith("timed out", WireReport.Symptoms([c]));
    }

    [Fact]
    public void Parse_TsharkFields_ReadsFlagsAndEndpoints()
    {
        var frames = WireAnalysis.Parse("7\t1764568800.5\t127.0.0.1\t8080\t127.0.0.1\t50000\t0\t1\t0\t1\t0\t3\t\t\t\n");

        var f = Assert.Single(frames);
        Assert.Equal((7, S, C, true, false, 3), (f.Number, f.Source, f.Destination, f.Rst, f.Fin, f.Stream));
    }

    private static WireFrame F(int n, double t, string src, string dst, bool syn = false, bool ack = false, bool fin = false, bool rst = false, int len = 0, bool retransmission = false) =>
        new(n, 1_764_568_800 + t, src, dst, syn, ack || !syn, fin, rst, len, 0, retransmission);
}
