using System.Globalization;
using BrokenPipe.Lab.Capture;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Scenarios;

/// <summary>
/// The packets as the oracle of a run's timeline. Per connection of the capture (the lab's own probes and set-up
/// commands aside, <see cref="LabConnections"/>; tear-down aside, after <see cref="ScenarioResult.StoppedAt"/>): its
/// first FIN or RST must be on the timeline — a close event (<see cref="LabEvent.Closed"/>) of the side that sent it,
/// as its own close, an observation of it (<see cref="LabEvent.Peer"/>) or a relay's (<see cref="LabEvent.From"/>),
/// within <see cref="Slack"/>. And the run's <see cref="FirstDisconnect"/> must be the capture's first close: same
/// side, FIN or RST, about the same time; for a silent drop, unanswered retransmissions after it and no close before it.
/// Pure: reads a finished <see cref="ScenarioResult"/>.
/// </summary>
internal static class WireOracle
{
    /// <summary>
    /// How far a close event may be from its frame: a part records its own close just before the packet leaves, but a
    /// log line (nginx, redis-server) is read by a tail after it is written, and on a loaded machine that takes a while.
    /// </summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(1);

    public static OracleVerdict Judge(ScenarioResult run)
    {
        OracleVerdict Verdict(OracleOutcome outcome, string why) => new(run.Id, run.Variant, outcome, why);
        if (run.Error is { } error && error.StartsWith("not run here", StringComparison.Ordinal)) return Verdict(OracleOutcome.CannotJudge, error);
        if (run.Capture is not { LabTime: { } time, SideOf: { } sideOf } capture) return Verdict(OracleOutcome.CannotJudge, run.Capture?.Lines.FirstOrDefault() ?? "no packet capture (needs root and --pcap)");
        if (capture.KernelDrops > 0) return Verdict(OracleOutcome.CannotJudge, $"the capture is incomplete: tcpdump says the kernel dropped {capture.KernelDrops} packets");
        if (capture.NoListener) return Verdict(OracleOutcome.CannotJudge, "no part of the run's own lab listens: its connections are in scratch labs of their own, whose timelines are not the run's (the run keeps only their verdicts)");
        var end = run.StoppedAt ?? TimeSpan.MaxValue;
        // A connect refused (the SYN answered by an RST: two frames) never was a connection, so nothing on it disconnected.
        var refused = capture.Conversations.Count(Refused);
        var story = capture.Conversations.Where(c => !Refused(c) && !LabConnections.Contains(c.Client, c.Server)).ToList();
        var closes = story
            .Select(c => (Conversation: c, Close: c.FirstClose))
            .Where(x => x.Close is not null && time(x.Close.Frame) < end)
            .Select(x => new Seen(x.Conversation, x.Close!, sideOf(x.Conversation, x.Close!.Frame.Source), time(x.Close!.Frame)))
            .OrderBy(x => x.At)
            .ToList();
        var missed = closes.Where(x => !OnTimeline(run.Events, x)).Select(x => $"{Describe(x)} is not on the timeline").ToList();
        if (missed.Count > 0) return Verdict(OracleOutcome.Disagree, string.Join("; ", missed));

        var drop = story.Where(c => c.Retransmissions.Count > 0).Select(c => time(c.Retransmissions[0]) - (c.Silence ?? TimeSpan.Zero)).Order().Cast<TimeSpan?>().FirstOrDefault();
        // An orderly end (its closer's own event is a reply: it answers the peer's FIN, or ends an exchange the peer
        // completed) is on the timeline, checked above, but is no disconnect: the first disconnect on the wire is the
        // first close that is not one, as FirstDisconnect reads the timeline.
        var first = closes.FirstOrDefault(x => !Orderly(run.Events, x));
        var fd = run.FirstDisconnect is { } d && d.At < end ? d : null;
        var probes = capture.Conversations.Count - story.Count - refused;
        var judged = $"{story.Count} connection{(story.Count == 1 ? "" : "s")} judged; left out: {probes} lab probe{(probes == 1 ? "" : "s")}, {refused} refused connect{(refused == 1 ? "" : "s")}";
        if (fd is null)
        {
            return first is null && drop is null
                ? Verdict(OracleOutcome.Agree, $"nobody closed before the tear-down, on the wire as on the timeline ({judged})")
                : Verdict(OracleOutcome.Disagree, $"the timeline has no first disconnect, the capture has {(first is not null ? Describe(first) : $"a drop (silence from {Ms(drop!.Value)})")}");
        }
        if (fd.How == "drop")
        {
            if (first is not null && first.At < fd.At - Slack) return Verdict(OracleOutcome.Disagree, $"the timeline says the {Name(fd.Side)} dropped the flow at {Ms(fd.At)}, but the capture has {Describe(first)} before it");
            // A drop shows on the wire only as data nobody acknowledges. A relay that drops in user space (TcpMiddlebox's
            // drop faults) has its kernel acknowledge every byte it throws away, so no retransmission follows: the capture
            // agrees that nobody closed first, but cannot confirm the drop itself.
            if (drop is null) return Verdict(OracleOutcome.CannotJudge, $"the timeline says the {Name(fd.Side)} dropped the flow at {Ms(fd.At)} and the capture has no FIN or RST before it, but no unanswered retransmissions either: a drop in user space is acknowledged by the relay's own kernel, so the packets cannot show it ({judged})");
            return Verdict(OracleOutcome.Agree, $"a silent drop by the {Name(fd.Side)} at {Ms(fd.At)}: unanswered retransmissions after {Ms(drop.Value)} on the wire ({judged})");
        }
        if (drop is { } silent && (first is null || silent < first.At)) return Verdict(OracleOutcome.Disagree, $"the capture has a drop (silence from {Ms(silent)}) before any close, the timeline names the {Name(fd.Side)} with a {fd.How} at {Ms(fd.At)}");
        if (first is null) return Verdict(OracleOutcome.Disagree, $"the timeline names the {Name(fd.Side)} with a {fd.How} at {Ms(fd.At)}, the capture has no FIN or RST before the tear-down");
        var timeline = $"the {Name(fd.Side)} with a {fd.How} at {Ms(fd.At)}";
        if (fd.Side != first.Side || fd.How != first.Close.How || (fd.At - first.At).Duration() > Slack)
        {
            return Verdict(OracleOutcome.Disagree, $"first disconnect: the timeline names {timeline}, the capture has {Describe(first)}");
        }
        return Verdict(OracleOutcome.Agree, $"first disconnect {timeline}, on the wire {Describe(first)} ({judged})");
    }

    private static bool Refused(TcpConversation c) => c.Frames <= 2 && c.FirstClose is { How: "RST" };

    /// <summary>A close event of the side that sent <paramref name="seen"/>, within <see cref="Slack"/> of its frame.</summary>
    private static bool OnTimeline(IReadOnlyList<LabEvent> events, Seen seen) =>
        events.Any(e => e.Closed is not null && (e.At - seen.At).Duration() <= Slack && (e.Side == seen.Side || e.Peer == seen.Side || e.From == seen.Side));

    /// <summary>
    /// The close of <paramref name="seen"/> is an orderly end (a reply, as FirstDisconnect reads it). Close events that
    /// carry the closing socket's address (<see cref="LabEvent.LocalEndPoint"/>, set by SocketClose) are tied to their
    /// connection and alone decide. Otherwise every close event attributed to the closer within the slack (its own, or
    /// another side's observation of it: <see cref="LabEvent.Peer"/>) must be a reply. All, not any: two parts of one
    /// side (a raw server and Kestrel) may close other connections within the slack, so a disconnect beside an orderly
    /// end is never left out.
    /// </summary>
    private static bool Orderly(IReadOnlyList<LabEvent> events, Seen seen)
    {
        var own = events.Where(e => e.Closed is not null && e.LocalEndPoint is { } local && local.ToString() == seen.Close.Frame.Source).ToList();
        if (own.Count > 0) return own.All(e => e.Reply);
        var attributed = events.Where(e => e.Closed is not null && (e.Peer ?? e.Side) == seen.Side && (e.At - seen.At).Duration() <= Slack).ToList();
        return attributed.Count > 0 && attributed.All(e => e.Reply);
    }

    private static string Describe(Seen x) => $"{x.Close.How} from the {Name(x.Side)} at {Ms(x.At)} (frame {x.Close.Frame.Number}, {x.Conversation.Client} → {x.Conversation.Server})";

    private static string Name(Side side) => TimelineFormat.SideName(side);

    private static string Ms(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0.0} ms");

    private sealed record Seen(TcpConversation Conversation, WireClose Close, Side Side, TimeSpan At);
}
