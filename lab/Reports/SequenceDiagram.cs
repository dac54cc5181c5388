using System.Globalization;
using System.Net;
using System.Text;

namespace BrokenPipe.Lab.Reports;

/// <summary>
/// Draws one run's timeline as an inline SVG sequence diagram: one lane per actor in the order traffic flows
/// (clients, middlebox, proxy, servers, Redis); arrows for connect, request, response, FIN, RST and a silent drop;
/// failures marked on the lane where they surfaced, with their errno; the first disconnect highlighted; one row per
/// event, with idle stretches compressed into a labelled band. Every mark carries its event's verbatim line as a
/// <c>&lt;title&gt;</c> (shown on hover). Pure: the same events give the same SVG.
/// </summary>
internal static class SequenceDiagram
{
    private const int LaneWidth = 170;
    private const int Left = 96;
    private const int Top = 70;
    private const int Row = 30;
    private const int GapBand = 34;
    private const int MaxRows = 300;

    /// <summary>A pause longer than this between two drawn events becomes a compressed band labelled with its length.</summary>
    public static readonly TimeSpan IdleThreshold = TimeSpan.FromMilliseconds(250);

    private static readonly Side[] TrafficOrder = [Side.Client, Side.Middlebox, Side.Proxy, Side.Server, Side.Redis];

    /// <summary>The lane an event is drawn on: its actor, or its side when it names none.</summary>
    /// <remarks>A numbered actor ("kestrel#2", "client#3": one request or pooled connection of a part) shares its part's lane.</remarks>
    public static string LaneOf(LabEvent e)
    {
        var name = e.Actor ?? TimelineFormat.SideName(e.Side);
        var hash = name.LastIndexOf('#');
        return hash > 0 && hash < name.Length - 1 && name[(hash + 1)..].All(char.IsAsciiDigit) ? name[..hash] : name;
    }

    /// <summary>The lanes, left to right: grouped by side in traffic order; within a group, paired lanes line up with their pair, the rest in order of first appearance.</summary>
    public static IReadOnlyList<(Side Side, string Name)> Lanes(IEnumerable<LabEvent> events)
    {
        var seen = new List<(Side Side, string Name)>();
        foreach (var e in events.Where(e => e.Side != Side.Lab))
        {
            if (!seen.Any(l => l.Name == LaneOf(e) && l.Side == e.Side)) seen.Add((e.Side, LaneOf(e)));
        }
        // Each group follows the order of the lanes it pairs with by name, so a client's arrows run straight to its own
        // proxy and server instead of crossing another pair's.
        var placed = new List<(Side Side, string Name)>();
        foreach (var side in TrafficOrder)
        {
            var group = seen.Where(l => l.Side == side).ToList();
            placed.AddRange(group.OrderBy(l => placed.FindIndex(p => Pairs(p.Name, l.Name)) is var i && i >= 0 ? i : int.MaxValue).ThenBy(group.IndexOf).ToList());
        }
        return placed;
    }

    /// <summary>
    /// The rows of the diagram, in time order. The first disconnect is highlighted where its evidence is; when that
    /// evidence is the other side's observation (Kestrel's "received FIN", a raw server's poll), it is drawn as the
    /// closer's arrow at that moment, and the closer's own later line (nginx logs its timeout up to a second late) is
    /// not drawn a second time.
    /// </summary>
    public static IReadOnlyList<DiagramMark> Marks(IReadOnlyList<LabEvent> events, FirstDisconnect? first)
    {
        var lanes = Lanes(events);
        var rows = Collapse(events.Where(e => e.Side != Side.Lab && Mark(e) is not null).OrderBy(e => e.At).ToList());
        var firstEvent = first is null ? null : events.FirstOrDefault(e => e.At == first.At && (e.Side == first.Side || e.Peer == first.Side));
        var marks = new List<DiagramMark>();
        (string From, string To, string Kind)? observed = null;
        foreach (var (e, count) in rows)
        {
            var lane = IndexOf(lanes, e);
            if (lane < 0) continue;
            var kind = Mark(e)!;
            var isFirst = ReferenceEquals(e, firstEvent);
            if (isFirst && !IsArrow(kind) && first!.How is "FIN" or "RST" && Sender(lanes, lane, first.Side, e, events) is { } from)
            {
                var how = first.How == "RST" ? "rst" : "fin";
                marks.Add(new DiagramMark(e, 1, how, lanes[from].Name, lanes[lane].Name, First: true, Observed: true));
                observed = (lanes[from].Name, lanes[lane].Name, how);
                continue;
            }
            var to = IsArrow(kind) && Target(lanes, lane, e, kind, events) is { } t ? lanes[t].Name : null;
            if (observed is { } o && o.Kind == kind && o.From == lanes[lane].Name && o.To == to)
            {
                observed = null;
                continue;
            }
            marks.Add(new DiagramMark(e, count, kind, lanes[lane].Name, to, isFirst, Observed: false));
        }
        return marks;
    }

    /// <summary>The SVG for <paramref name="events"/>; <paramref name="first"/> is highlighted where its evidence is.</summary>
    public static string Render(IReadOnlyList<LabEvent> events, FirstDisconnect? first)
    {
        var lanes = Lanes(events);
        var marks = Marks(events, first).ToList();
        var truncated = marks.Count > MaxRows;
        if (truncated) marks = marks.Take(MaxRows).ToList();

        // Rows: one per mark, with a band for every idle stretch.
        var ys = new List<int>();
        var bands = new List<(int Y, TimeSpan Length)>();
        var y = Top + Row;
        for (var i = 0; i < marks.Count; i++)
        {
            if (i > 0 && marks[i].Event.At - marks[i - 1].Event.At > IdleThreshold)
            {
                bands.Add((y - Row / 2, marks[i].Event.At - marks[i - 1].Event.At));
                y += GapBand;
            }
            ys.Add(y);
            y += Row;
        }
        var height = y + 20;
        var width = Left + Math.Max(1, lanes.Count) * LaneWidth + 190;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sequence\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-label=\"sequence diagram\">");
        svg.Append("<defs>");
        foreach (var (id, colour) in new[] { ("connect", "#555"), ("request", "#1f5fbf"), ("response", "#2e7d32"), ("fin", "#b26a00"), ("rst", "#c62828"), ("drop", "#6a1b9a") })
        {
            svg.Append(CultureInfo.InvariantCulture, $"<marker id=\"head-{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>");
        }
        svg.Append("</defs>");

        for (var i = 0; i < lanes.Count; i++)
        {
            var x = LaneX(i);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"lane\" data-lane=\"{Esc(lanes[i].Name)}\" data-side=\"{TimelineFormat.SideName(lanes[i].Side)}\" data-x=\"{x}\">");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x - LaneWidth / 2 + 6}\" y=\"8\" width=\"{LaneWidth - 12}\" height=\"44\" rx=\"6\" class=\"lane-head side-{TimelineFormat.SideName(lanes[i].Side)}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"26\" class=\"lane-side\">{TimelineFormat.SideName(lanes[i].Side)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"44\" class=\"lane-name\">{Esc(Shorten(lanes[i].Name, 22))}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" y1=\"{Top - 12}\" x2=\"{x}\" y2=\"{height - 10}\" class=\"lifeline\"/>");
            svg.Append("</g>");
        }

        foreach (var (bandY, length) in bands)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"idle\" data-idle-ms=\"{length.TotalMilliseconds:0}\"><rect x=\"4\" y=\"{bandY + 2}\" width=\"{width - 8}\" height=\"{GapBand - 6}\" class=\"idle-band\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width / 2}\" y=\"{bandY + GapBand / 2 + 4}\" class=\"idle-label\">… {Duration(length)} with nothing on the wire …</text></g>");
        }

        for (var i = 0; i < marks.Count; i++)
        {
            var m = marks[i];
            var (e, count, kind) = (m.Event, m.Count, m.Kind);
            var x = LaneX(lanes.ToList().FindIndex(l => l.Name == m.Lane));
            var rowY = ys[i];
            var cls = $"mark {kind}{(m.First ? " first-disconnect" : "")}{(m.Observed ? " observed" : "")}";
            var data = string.Create(CultureInfo.InvariantCulture, $"data-kind=\"{kind}\" data-event=\"{TimelineFormat.KindName(e.Kind)}\" data-lane=\"{Esc(m.Lane)}\" data-at-ms=\"{e.At.TotalMilliseconds:0.0}\"");
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"{cls}\" {data}");
            if (m.To is { } toName) svg.Append(CultureInfo.InvariantCulture, $" data-to=\"{Esc(toName)}\"");
            svg.Append('>');
            svg.Append("<title>").Append(Esc(TimelineFormat.Line(e))).Append(count > 1 ? Esc($"  (and {count - 1} more like it)") : "").Append("</title>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 10}\" y=\"{rowY + 4}\" class=\"time\">{e.At.TotalMilliseconds:0.0} ms</text>");
            if (m.First) svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left - 4}\" y=\"{rowY - Row / 2 + 2}\" width=\"{width - Left - 8}\" height=\"{Row - 4}\" rx=\"4\" class=\"first-band\"/>");
            var label = m.Observed ? $"{kind.ToUpperInvariant()} (seen by the {TimelineFormat.SideName(e.Side)})" : Label(e, kind, count);
            if (m.To is { } to)
            {
                var x2 = LaneX(lanes.ToList().FindIndex(l => l.Name == to));
                var end = kind == "drop" ? (x + x2) / 2 : x2 + (x2 > x ? -4 : 4);
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x}\" y1=\"{rowY}\" x2=\"{end}\" y2=\"{rowY}\" class=\"arrow\" marker-end=\"url(#head-{kind})\"/>");
                if (kind == "drop") svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M{end - 6},{rowY - 6} l12,12 m0,-12 l-12,12\" class=\"cross\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(x + end) / 2}\" y=\"{rowY - 5}\" class=\"label\">{Esc(label)}</text>");
            }
            else
            {
                if (kind == "failure") svg.Append(CultureInfo.InvariantCulture, $"<path d=\"M{x - 7},{rowY - 7} l14,14 m0,-14 l-14,14\" class=\"cross\"/>");
                else svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{x}\" cy=\"{rowY}\" r=\"4\" class=\"dot\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x + 10}\" y=\"{rowY + 4}\" class=\"label note\">{Esc(label)}</text>");
            }
            if (m.First) svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{width - 12}\" y=\"{rowY + 4}\" class=\"first-label\">first disconnect</text>");
            svg.Append("</g>");
        }
        if (truncated) svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{height - 6}\" class=\"note\">(the first {MaxRows} rows; the full timeline is below)</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>What an event is drawn as: an arrow (connect, request, response, fin, rst, drop), a failure, a note, or nothing.</summary>
    public static string? Mark(LabEvent e) => e.Kind switch
    {
        EventKind.Connected => "connect",
        EventKind.RequestSent => "request",
        EventKind.Sent when e.Side is Side.Client => "request",
        EventKind.Sent or EventKind.ResponseWrite => "response",
        EventKind.ClosedFin or EventKind.HalfClosed or EventKind.KestrelSendingFin => "fin",
        EventKind.ProxyUpstreamTimedOutHeader or EventKind.ProxyUpstreamTimedOutBody => e.Closed == CloseHow.Rst ? "rst" : "fin",
        EventKind.RedisOutputBufferLimit or EventKind.RedisIdleClientClosed or EventKind.RedisKilled => "fin",
        EventKind.ClosedRst or EventKind.KestrelSendingRst => "rst",
        EventKind.FlowDropped => "drop",
        _ when e.Failure is SocketFailure.BrokenPipe or SocketFailure.ConnectionReset or SocketFailure.TimedOut or SocketFailure.Refused => "failure",
        EventKind.WriteIntoVoid or EventKind.RequestAborted or EventKind.ResponseTruncated or EventKind.RequestFailed or EventKind.CommandFailed => "failure",
        EventKind.EndOfStream or EventKind.PeerClosed or EventKind.KestrelReceivedFin or EventKind.KestrelReset => "note",
        EventKind.RequestReceived or EventKind.ResponseHeaders or EventKind.ResponseCompleted or EventKind.ProxyAccess => "note",
        EventKind.ProxyClientClosed or EventKind.ProxyUpstreamClosed or EventKind.ProxyUpstreamReset or EventKind.ProxyClientBrokenPipe or EventKind.ProxyClientReset => "failure",
        EventKind.LibraryConnectionFailed or EventKind.LibraryConnectionRestored or EventKind.CommandSucceeded => "note",
        _ => null,
    };

    private static bool IsArrow(string kind) => kind is "connect" or "request" or "response" or "fin" or "rst" or "drop";

    /// <summary>
    /// The lane an arrow points at: a client's and a middlebox's traffic goes right, a server's and Redis's left, a
    /// proxy's toward the upstream unless the event is about its client. The counterpart is the
    /// neighbouring group's lane that pairs with it by name ("client[x]" and "x" or "server[x]"), else the one with
    /// an event nearest in time.
    /// </summary>
    private static int? Target(IReadOnlyList<(Side Side, string Name)> lanes, int lane, LabEvent e, string kind, IReadOnlyList<LabEvent> events)
    {
        var side = lanes[lane].Side;
        var right = side switch
        {
            Side.Client or Side.Middlebox => true,
            Side.Proxy => e.Kind is not (EventKind.ProxyClientClosed or EventKind.ProxyClientBrokenPipe or EventKind.ProxyClientReset or EventKind.ProxyClientTimedOut or EventKind.ProxyAccess),
            _ => false,
        };
        if (kind == "drop") right = true;
        var order = Array.IndexOf(TrafficOrder, side);
        var groups = right ? TrafficOrder.Skip(order + 1) : TrafficOrder.Take(order).Reverse();
        foreach (var g in groups)
        {
            var candidates = Enumerable.Range(0, lanes.Count).Where(i => lanes[i].Side == g).ToList();
            if (candidates.Count == 0) continue;
            if (candidates.Count == 1) return candidates[0];
            // Named pairs first ("client[raw[c4096,n4097]]" talks to "raw[c4096,n4097]"), then the lane busiest nearest in time.
            var named = candidates.Where(i => Pairs(lanes[lane].Name, lanes[i].Name)).ToList();
            if (named.Count > 0) candidates = named;
            return candidates.MinBy(i => events.Where(x => x.Side == lanes[i].Side && LaneOf(x) == lanes[i].Name).Select(x => (x.At - e.At).Duration()).DefaultIfEmpty(TimeSpan.MaxValue).Min());
        }
        return null;
    }

    /// <summary>The lane of <paramref name="side"/> that the observer on <paramref name="lane"/> talks to: its named pair, else the one busiest nearest in time.</summary>
    private static int? Sender(IReadOnlyList<(Side Side, string Name)> lanes, int lane, Side side, LabEvent e, IReadOnlyList<LabEvent> events)
    {
        var candidates = Enumerable.Range(0, lanes.Count).Where(i => lanes[i].Side == side && i != lane).ToList();
        if (candidates.Count == 0) return null;
        var named = candidates.Where(i => Pairs(lanes[lane].Name, lanes[i].Name)).ToList();
        if (named.Count > 0) candidates = named;
        return candidates.MinBy(i => events.Where(x => x.Side == lanes[i].Side && LaneOf(x) == lanes[i].Name).Select(x => (x.At - e.At).Duration()).DefaultIfEmpty(TimeSpan.MaxValue).Min());
    }

    private static bool Pairs(string a, string b) => Inner(a) is { } p && p == Inner(b) || Inner(a) is { } x && (x == b || b.StartsWith(x, StringComparison.Ordinal)) || Inner(b) is { } y && (y == a || a.StartsWith(y, StringComparison.Ordinal));

    private static string? Inner(string name)
    {
        var open = name.IndexOf('[');
        return open > 0 && name.EndsWith(']') ? name[(open + 1)..^1] : null;
    }

    private static string Label(LabEvent e, string kind, int count)
    {
        var text = kind switch
        {
            "connect" => "connect",
            "request" => e.Bytes is { } b && e.Kind == EventKind.Sent ? $"send {Bytes(b)}" : "request",
            "response" => e.Bytes is { } b ? $"{(e.Index is { } n ? $"#{n} " : "")}{Bytes(b)}" : "response",
            "fin" => e.Kind == EventKind.HalfClosed ? "FIN (half-close)" : e.Kind == EventKind.RedisKilled ? "kill -9 → FIN" : "FIN",
            "rst" => "RST",
            "drop" => "silently dropped",
            _ => TimelineFormat.KindName(e.Kind),
        };
        if (e.Failure is { } f && kind is "failure" or "note")
        {
            text = $"{text}: {SocketFailures.Name(f)}";
            if (e.Errno is { } errno) text += $" ({SocketFailures.ErrnoName(errno)} {errno})";
        }
        if (e.Status is { } status) text += $" {status}";
        return count > 1 ? $"{text} ×{count}" : text;
    }

    /// <summary>Consecutive marks of the same kind on the same lane become one row with a count (a stream of 4 KB sends).</summary>
    private static List<(LabEvent Event, int Count)> Collapse(List<LabEvent> events)
    {
        var rows = new List<(LabEvent Event, int Count)>();
        foreach (var e in events)
        {
            if (rows.Count > 0 && rows[^1] is var (last, n) && LaneOf(last) == LaneOf(e) && last.Kind == e.Kind && last.Failure == e.Failure && last.Errno == e.Errno
                && e.At - last.At <= IdleThreshold && e.Kind is EventKind.Sent or EventKind.ResponseWrite or EventKind.Received or EventKind.CommandSucceeded or EventKind.CommandFailed or EventKind.ProxyAccess)
            {
                rows[^1] = (last, n + 1);
                continue;
            }
            rows.Add((e, 1));
        }
        return rows;
    }

    private static int IndexOf(IReadOnlyList<(Side Side, string Name)> lanes, LabEvent e)
    {
        for (var i = 0; i < lanes.Count; i++) if (lanes[i].Side == e.Side && lanes[i].Name == LaneOf(e)) return i;
        return -1;
    }

    private static int LaneX(int lane) => Left + lane * LaneWidth + LaneWidth / 2;

    private static string Bytes(long n) => n >= 1 << 20 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1048576.0:0.#} MB") : n >= 8192 ? string.Create(CultureInfo.InvariantCulture, $"{n / 1024.0:0.#} KB") : $"{n} B";

    /// <summary>A pause as a person says it: "640 ms", "2.0 s".</summary>
    public static string Duration(TimeSpan t) => t < TimeSpan.FromSeconds(1)
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s");

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Esc(string s) => WebUtility.HtmlEncode(s);
}
