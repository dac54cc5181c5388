using BrokenPipe.Lab.Runtimes;
namespace BrokenPipe.Lab.Tests.Runtimes;

public sealed class SocketStatsTests
{
    // What `ss -tniH state all '( sport = :40123 or dport = :40123 )'` prints: one line per socket, its TCP info on the
    // next line, indented with a tab.
    private const string Sample =
        "LISTEN 0      64         127.0.0.1:40123      0.0.0.0:*    \n" +
        "\t cubic cwnd:10\n" +
        "ESTAB  0      2626560    127.0.0.1:40123      127.0.0.1:51000\n" +
        "\t cubic wscale:7,7 rto:204 rtt:0.05/0.025 mss:32768 cwnd:10 bytes_sent:3000000 bytes_acked:373441 segs_out:40 " +
        "send 52428800000bps lastsnd:4 pacing_rate 104857600000bps delivery_rate 26214400000bps busy:10ms rwnd_limited:9ms(90.0%) " +
        "rcv_space:14480 rcv_ssthresh:64088 notsent:2626560 minrtt:0.01 snd_wnd:0 backoff:3\n" +
        "ESTAB  373440 0          127.0.0.1:51000      127.0.0.1:40123\n" +
        "\t cubic wscale:7,7 rto:201 rtt:0.02/0.01 mss:32768 bytes_received:373440 rcv_space:65483 snd_wnd:65536\n" +
        "TIME-WAIT 0   0          127.0.0.1:51002      127.0.0.1:40123\n";

    [Fact]
    public void Parse_SocketLinesWithIndentedInfo_PairsEachSocketWithItsInfo()
    {
        var rows = SocketStats.Parse(Sample).ToList();

        Assert.Equal(4, rows.Count);
        Assert.Equal("LISTEN 0      64         127.0.0.1:40123      0.0.0.0:*", rows[0].Socket);
        Assert.Equal("ESTAB  0      2626560    127.0.0.1:40123      127.0.0.1:51000", rows[1].Socket);
        Assert.Equal("ESTAB  373440 0          127.0.0.1:51000      127.0.0.1:40123", rows[2].Socket);
        Assert.Equal("TIME-WAIT 0   0          127.0.0.1:51002      127.0.0.1:40123", rows[3].Socket);
    }

    [Fact]
    public void Parse_Info_KeepsOnlyTheStallFieldsInTheirOrder()
    {
        var rows = SocketStats.Parse(Sample).ToList();

        Assert.Equal("", rows[0].Info); // "cubic cwnd:10" says nothing about a stall
        Assert.Equal("bytes_acked:373441 rwnd_limited:9ms(90.0%) rcv_space:14480 notsent:2626560 snd_wnd:0 backoff:3", rows[1].Info);
        Assert.Equal("rcv_space:65483 snd_wnd:65536", rows[2].Info);
    }

    [Fact]
    public void Parse_LastSocketWithoutInfo_IsKeptWithEmptyInfo()
    {
        var rows = SocketStats.Parse(Sample).ToList();

        Assert.Equal("", rows[3].Info);
    }

    [Fact]
    public void Parse_TwoSocketLinesInARow_BothAreKept()
    {
        var rows = SocketStats.Parse("ESTAB 0 0 127.0.0.1:1 127.0.0.1:2\nESTAB 0 0 127.0.0.1:2 127.0.0.1:1\n").ToList();

        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("", r.Info));
    }

    [Fact]
    public void Parse_EmptyOutput_IsEmpty()
    {
        Assert.Empty(SocketStats.Parse(""));
        Assert.Empty(SocketStats.Parse("\n\n"));
    }
}
