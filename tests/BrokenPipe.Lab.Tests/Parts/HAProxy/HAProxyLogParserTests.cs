using BrokenPipe.Lab.Parts.HAProxy;

namespace BrokenPipe.Lab.Tests.Parts.HAProxy;

/// <summary>Lines as HAProxy 2.6.12 wrote them here (option httplog, format raw).</summary>
public sealed class HAProxyLogParserTests
{
    private const string ServerTimeout = """
        127.0.0.1:51170 [07/Dec/2026:17:53:14.492] fe be/go 0/0/0/-1/2002 504 198 - - sH-- 1/1/0/0/0 0/0 "GET /sleep?ms=4000 HTTP/1.1"
        """;

    // The ground truth elides this line's client address and date; they are stand-ins here, the rest is as measured.
    private const string ClientStoppedReading = """
        127.0.0.1:34202 [07/Dec/2026:17:40:11.610] fe be/go 0/0/0/10/3015 200 3982936 - - cD-- 1/1/0/0/0 0/0 "GET /sleep?ms=0&n=100000000 HTTP/1.1"
        """;

    private const string RequestTimeout = """
        127.0.0.1:34194 [07/Dec/2026:17:39:04.184] fe fe/<NOSRV> -1/-1/-1/-1/3001 408 0 - - cR-- 1/1/0/0/0 0/0 "<BADREQ>"
        """;

    private const string Normal = """
        127.0.0.1:47750 [07/Dec/2026:21:00:32.305] lab lab_upstream/upstream 0/0/0/1/1 200 353 - - ---- 1/1/0/0/0 0/0 "GET /items HTTP/1.1"
        """;

    [Fact]
    public void Parse_ServerTimeoutLine_Status504TimersAndStateSH()
    {
        var line = HAProxyLogParser.Parse(ServerTimeout);

        Assert.NotNull(line);
        Assert.Equal((504, 198L, "be", "go", "sH--"), (line.Status, line.Bytes, line.Backend, line.Server, line.TerminationState));
        Assert.Equal(new HAProxyTimers(0, 0, 0, -1, 2002), line.Timers);
        Assert.Equal("GET /sleep?ms=4000 HTTP/1.1", line.Request);
        Assert.Equal((EventKind.ProxyUpstreamTimedOutHeader, SocketFailure.TimedOut), HAProxyLogParser.Termination(line));
    }

    [Fact]
    public void Parse_ClientStoppedReading_cDIsClientTimedOut()
    {
        var line = HAProxyLogParser.Parse(ClientStoppedReading)!;

        Assert.Equal((200, "cD--", 3015), (line.Status, line.TerminationState, line.Timers.Active));
        Assert.Equal((EventKind.ProxyClientTimedOut, SocketFailure.TimedOut), HAProxyLogParser.Termination(line));
    }

    [Fact]
    public void Parse_IncompleteRequest_408WithNoServerAndcR()
    {
        var line = HAProxyLogParser.Parse(RequestTimeout)!;

        Assert.Equal((408, "<NOSRV>", "<BADREQ>", -1), (line.Status, line.Server, line.Request, line.Timers.Request));
        Assert.Equal(EventKind.ProxyClientTimedOut, HAProxyLogParser.Termination(line)?.Kind);
    }

    [Fact]
    public void Termination_NormalEnd_IsNull()
    {
        var line = HAProxyLogParser.Parse(Normal)!;

        Assert.Equal(200, line.Status);
        Assert.Null(HAProxyLogParser.Termination(line));
    }

    [Theory]
    [InlineData("SH--", EventKind.ProxyUpstreamClosed)]
    [InlineData("SD--", EventKind.ProxyUpstreamClosed)]
    [InlineData("SC--", EventKind.ProxyUpstreamRefused)]
    [InlineData("sD--", EventKind.ProxyUpstreamTimedOutBody)]
    [InlineData("sC--", EventKind.ProxyUpstreamTimedOutOther)]
    [InlineData("CD--", EventKind.ProxyClientClosed)]
    [InlineData("CH--", EventKind.ProxyClientClosed)]
    [InlineData("PR--", EventKind.ProxyLog)]
    public void Termination_EachState_NamesItsProxyKind(string state, EventKind kind)
    {
        var line = HAProxyLogParser.Parse(Normal.Replace("----", state, StringComparison.Ordinal))!;

        Assert.Equal(kind, HAProxyLogParser.Termination(line)?.Kind);
    }

    [Theory]
    [InlineData("Proxy lab started.")]
    [InlineData("[NOTICE]   (1234) : haproxy version is 2.6.12-1+deb12u4")]
    public void Parse_NotAnHttpLogLine_IsNull(string line) => Assert.Null(HAProxyLogParser.Parse(line));
}
