using System.Xml.Linq;
using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Lab.Tests.Reports;

/// <summary>The sequence diagram drawn from a hand-built timeline: lanes, arrows, failures, the first disconnect, idle bands.</summary>
public sealed class SequenceDiagramTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly LabEvent[] Events =
    [
        At(0, Side.Lab, EventKind.PartStarted, "nginx", "started"),
        At(1, Side.Client, EventKind.Connected, "client[raw]", "connected"),
        At(2, Side.Client, EventKind.RequestSent, "client[raw]", "GET /export"),
        At(3, Side.Server, EventKind.RequestReceived, "upstream[raw]", "request #1"),
        At(2003, Side.Proxy, EventKind.ProxyUpstreamTimedOutHeader, "nginx[raw]", "upstream timed out (110: Connection timed out) while reading response header from upstream") with { Failure = SocketFailure.TimedOut, Errno = 110, Closed = CloseHow.Fin },
        At(2004, Side.Client, EventKind.ClosedFin, "client[raw]", "closed") with { Closed = CloseHow.Fin },
        At(4004, Side.Server, EventKind.SendFailed, "upstream[raw]", "send #2 failed") with { Failure = SocketFailure.BrokenPipe, Errno = 32 },
        At(4005, Side.Client, EventKind.ClosedRst, "client[other]", "linger 0") with { Closed = CloseHow.Rst },
    ];

    [Fact]
    public void Lanes_ClientsProxyServers_InTrafficOrder_LabEventsHaveNone()
    {
        var lanes = SequenceDiagram.Lanes(Events).Select(l => l.Name);

        Assert.Equal(["client[raw]", "client[other]", "nginx[raw]", "upstream[raw]"], lanes);
    }

    [Fact]
    public void Lanes_ANumberedActor_SharesItsPartsLane()
    {
        var lanes = SequenceDiagram.Lanes([At(1, Side.Server, EventKind.RequestReceived, "kestrel#1", ""), At(2, Side.Server, EventKind.RequestReceived, "kestrel#2", "")]);

        Assert.Equal(["kestrel"], lanes.Select(l => l.Name));
    }

    [Fact]
    public void Render_CloseEvents_AreArrowsToTheirPeersLane()
    {
        var svg = Parse(SequenceDiagram.Render(Events, FirstDisconnect.Find(Events)));

        var proxyFin = Marks(svg, "fin").Single(m => (string?)m.Attribute("data-lane") == "nginx[raw]");
        Assert.Equal("upstream[raw]", (string?)proxyFin.Attribute("data-to"));
        var clientFin = Marks(svg, "fin").Single(m => (string?)m.Attribute("data-lane") == "client[raw]");
        Assert.Equal("nginx[raw]", (string?)clientFin.Attribute("data-to"));
        Assert.Single(Marks(svg, "rst"));
    }

    [Fact]
    public void Render_AFailure_IsMarkedOnItsLaneWithErrno()
    {
        var svg = Parse(SequenceDiagram.Render(Events, null));

        var failure = Marks(svg, "failure").Single(m => (string?)m.Attribute("data-lane") == "upstream[raw]");
        Assert.Contains("EPIPE 32", failure.Value);
        Assert.Contains("send #2 failed", failure.Element(Svg + "title")!.Value);
    }

    [Fact]
    public void Render_TheFirstDisconnect_IsHighlightedOnce()
    {
        var svg = Parse(SequenceDiagram.Render(Events, FirstDisconnect.Find(Events)));

        var first = svg.Descendants(Svg + "g").Where(g => ((string?)g.Attribute("class"))?.Contains("first-disconnect") == true).ToList();
        Assert.Single(first);
        Assert.Equal("nginx[raw]", (string?)first[0].Attribute("data-lane"));
    }

    [Fact]
    public void Render_TwoSecondsOfNothing_BecomeOneLabelledBand()
    {
        var svg = Parse(SequenceDiagram.Render(Events, null));

        var bands = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "idle").ToList();
        Assert.Equal(2, bands.Count);
        Assert.Contains("2.0 s with nothing on the wire", bands[0].Value);
    }

    [Fact]
    public void Marks_AFinSeenBeforeItsSendersLateLogLine_IsOneArrowFromTheSenderAtTheMomentItWasSeen()
    {
        LabEvent[] events =
        [
            At(1, Side.Proxy, EventKind.Connected, "nginx[raw]", "connected"),
            At(2, Side.Server, EventKind.RequestReceived, "upstream[raw]", "request #1"),
            At(2000, Side.Server, EventKind.PeerClosed, "upstream[raw]", "the peer's FIN has arrived") with { Peer = Side.Proxy, Failure = SocketFailure.EndOfStream, Closed = CloseHow.Fin },
            At(2012, Side.Proxy, EventKind.ProxyUpstreamTimedOutHeader, "nginx[raw]", "upstream timed out (110: Connection timed out)"),
        ];

        var fins = SequenceDiagram.Marks(events, FirstDisconnect.Find(events)).Where(m => m.Kind == "fin").ToList();

        var fin = Assert.Single(fins);
        Assert.Equal(("nginx[raw]", "upstream[raw]", true, true), (fin.Lane, fin.To, fin.First, fin.Observed));
        Assert.Equal(TimeSpan.FromMilliseconds(2000), fin.Event.At);
    }

    private static IEnumerable<XElement> Marks(XDocument svg, string kind) =>
        svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("data-kind") == kind);

    private static XDocument Parse(string svg) => XDocument.Parse(svg);

    private static LabEvent At(double ms, Side side, EventKind kind, string actor, string detail) =>
        new(TimeSpan.FromMilliseconds(ms), side, kind, null, null, detail) { Actor = actor };
}
