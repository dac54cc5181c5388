using System.Globalization;

namespace BrokenPipe.Lab.Capture;

/// <summary>Connections of a capture in words (frame numbers of each FIN and RST, data after a FIN, drops), and the symptoms they amount to.</summary>
internal static class WireReport
{
    /// <summary>The lines for <paramref name="conversations"/>; <paramref name="name"/> names an endpoint's role, <paramref name="time"/> a frame's time.</summary>
    public static IReadOnlyList<string> Lines(IReadOnlyList<TcpConversation> conversations, Func<TcpConversation, string, string> name, Func<WireFrame, string> time)
    {
        var lines = new List<string>();
        foreach (var c in conversations)
        {
            var client = name(c, c.Client);
            var server = name(c, c.Server);
            var closes = c.Closes.Select(x =>
            {
                var text = $"frame {x.Frame.Number} {x.How} from the {(x.Frame.Source == c.Client ? client : server)} at {time(x.Frame)}";
                return x.Answers is { } a ? text + $" (answering the data in frame {a.Number})" : text;
            });
            lines.Add($"  {client} {c.Client} → {server} {c.Server}: " + (c.Closes.Count == 0 ? "no FIN or RST in the capture" : string.Join("; ", closes)));
            if (c.FirstClose is { } first) lines.Add($"    first to close: the {(first.Frame.Source == c.Client ? client : server)}, with {(first.How == "RST" ? "an" : "a")} {first.How}");
            if (c.DataAfterPeerFin.Count > 0) lines.Add($"    data after the peer's FIN: frame {c.DataAfterPeerFin[0].Number}" + (c.DataAfterPeerFin.Count > 1 ? $" and {c.DataAfterPeerFin.Count - 1} more" : ""));
            if (c.Retransmissions.Count > 0) lines.Add(string.Create(CultureInfo.InvariantCulture, $"    {c.Silence?.TotalSeconds:0.0} s without a word from the peer, then {c.Retransmissions.Count} retransmissions from frame {c.Retransmissions[0].Number}: dropped on the path"));
            if (c.FirstFailingSegment is { } failing) lines.Add($"    first failing segment: frame {failing.Number}");
        }
        return lines;
    }

    /// <summary>
    /// What the connections amount to, in the words people's error messages use, for <c>explain</c> to match: data
    /// after the peer's FIN answered by an RST is a broken pipe on the writer's next write; any RST a reset; a FIN from
    /// the server first an EOF on the client; unanswered retransmissions a timeout on a silently dropped flow (which then
    /// stands alone: it explains the resets that follow it).
    /// </summary>
    public static string Symptoms(IReadOnlyList<TcpConversation> conversations)
    {
        // A drop comes first and explains what follows it (the client's RST when its timeout gives up), so it stands alone.
        if (conversations.Any(c => c.Retransmissions.Count > 0)) return "timed out (110): an idle flow dropped on the path";
        var words = new List<string>();
        if (conversations.Any(c => c.DataAfterPeerFin.Count > 0 && c.Closes.Any(x => x.How == "RST" && x.Answers is not null))) words.Add("broken pipe (EPIPE)"); // a failure kind, not a runtime's own line: the capture does not say which program wrote
        if (conversations.Any(c => c.Closes.Any(x => x.How == "RST"))) words.Add("connection reset by peer");
        if (conversations.Any(c => c.FirstClose is { How: "FIN" } f && f.Frame.Source == c.Server)) words.Add("EOF");
        return string.Join("; ", words);
    }
}
