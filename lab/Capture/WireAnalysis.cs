using System.Globalization;

namespace BrokenPipe.Lab.Capture;

/// <summary>Pure reading of a capture's frames into connections: who closed first, data after a FIN, resets answering data, drops.</summary>
internal static class WireAnalysis
{
    /// <summary>A pause longer than this before a retransmission counts as the silence of a drop.</summary>
    public static readonly TimeSpan DropSilence = TimeSpan.FromMilliseconds(200);

    /// <summary>The frames as tshark prints them with <see cref="TsharkFields"/>, tab-separated; lines it cannot read are skipped.</summary>
    public static IReadOnlyList<WireFrame> Parse(string tsharkOutput)
    {
        var frames = new List<WireFrame>();
        foreach (var line in tsharkOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.TrimEnd('\r').Split('\t');
            if (f.Length < 12 || !int.TryParse(f[0], CultureInfo.InvariantCulture, out var number)) continue;
            if (!double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch)) continue;
            var src = f[2].Length > 0 || f.Length <= 12 ? f[2] : f[12];
            var dst = f[4].Length > 0 || f.Length <= 13 ? f[4] : f[13];
            frames.Add(new WireFrame(
                number,
                epoch,
                $"{src}:{f[3]}",
                $"{dst}:{f[5]}",
                Flag(f[6]),
                Flag(f[7]),
                Flag(f[8]),
                Flag(f[9]),
                int.TryParse(f[10], CultureInfo.InvariantCulture, out var len) ? len : 0,
                int.TryParse(f[11], CultureInfo.InvariantCulture, out var stream) ? stream : -1,
                f.Length > 14 && f[14].Length > 0));
        }
        return frames;
    }

    /// <summary>The tshark <c>-e</c> fields <see cref="Parse"/> reads, in order.</summary>
    public static readonly string[] TsharkFields =
    [
        "frame.number", "frame.time_epoch", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport",
        "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.len", "tcp.stream",
        "ipv6.src", "ipv6.dst", "tcp.analysis.retransmission",
    ];

    /// <summary>One <see cref="TcpConversation"/> per TCP stream, in the order they started.</summary>
    public static IReadOnlyList<TcpConversation> Conversations(IReadOnlyList<WireFrame> frames) =>
        [.. frames.GroupBy(f => f.Stream).Select(g => Read(g.Key, [.. g.OrderBy(f => f.Number)]))];

    private static TcpConversation Read(int stream, List<WireFrame> frames)
    {
        var syn = frames.FirstOrDefault(f => f.Syn && !f.Ack);
        var client = syn?.Source ?? frames[0].Source;
        var server = client == frames[0].Source ? frames[0].Destination : frames[0].Source;
        var closes = new List<WireClose>();
        var finFrom = new HashSet<string>();
        var afterFin = new List<WireFrame>();
        var retrans = new List<WireFrame>();
        TimeSpan? silence = null;
        WireFrame? lastData = null;
        for (var i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            if (f.Length > 0 && finFrom.Contains(f.Destination) && !f.Retransmission) afterFin.Add(f);
            if (f.Retransmission && i > 0)
            {
                // Unanswered: nothing came back from the peer for a while before the sender tried again.
                var quiet = TimeSpan.FromSeconds(f.Epoch - LastFrom(frames, i, f.Destination));
                if (retrans.Count > 0 || quiet >= DropSilence)
                {
                    if (retrans.Count == 0) silence = quiet;
                    retrans.Add(f);
                }
            }
            if (f.Fin)
            {
                finFrom.Add(f.Source);
                closes.Add(new WireClose(f, "FIN", null));
            }
            if (f.Rst)
            {
                var answers = lastData is not null && lastData.Source == f.Destination ? lastData : null;
                closes.Add(new WireClose(f, "RST", answers));
            }
            if (f.Length > 0) lastData = f;
        }
        return new TcpConversation(stream, client, server, frames.Count, closes, afterFin, retrans, silence);
    }

    /// <summary>When <paramref name="sender"/> last sent anything before frame <paramref name="i"/> (the connection's first frame if never).</summary>
    private static double LastFrom(List<WireFrame> frames, int i, string sender)
    {
        for (var j = i - 1; j >= 0; j--) if (frames[j].Source == sender) return frames[j].Epoch;
        return frames[0].Epoch;
    }

    private static bool Flag(string v) => v is "1" or "True" or "true";
}
