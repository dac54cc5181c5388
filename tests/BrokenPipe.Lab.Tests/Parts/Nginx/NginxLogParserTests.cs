using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>Lines as nginx 1.22 wrote them in the lab's runs.</summary>
public sealed class NginxLogParserTests
{
    private const string TimedOutHeader = """
        2026/11/21 19:28:52 [error] 14788#14788: *2 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /k2/write?n=10485760&sleep=4000 HTTP/1.1", upstream: "http://127.0.0.1:18085/write?n=10485760&sleep=4000", host: "127.0.0.1:18090"
        """;

    private const string TimedOutBody = """
        2026/11/21 20:27:32 [error] 3024#3024: *1 upstream timed out (110: Connection timed out) while reading upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:18111/", host: "127.0.0.1:18112"
        """;

    private const string ClientClosed = """
        2026/11/21 19:28:55 [info] 14788#14788: *12 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while sending request to upstream, client: 127.0.0.1, server: , request: "GET /k10/write?n=10485760&sleep=4000 HTTP/1.1", upstream: "http://127.0.0.1:18085/write?n=10485760&sleep=4000", host: "127.0.0.1:18090"
        """;

    private const string ClientBrokenPipe = """
        2026/11/21 19:29:01 [info] 14788#14788: *18 writev() failed (32: Broken pipe) while sending to client, client: 127.0.0.1, server: , request: "GET /kign/write?n=10485760&sleep=4000 HTTP/1.1", upstream: "http://127.0.0.1:18085/write?n=10485760&sleep=4000", host: "127.0.0.1:18090"
        """;

    private const string UpstreamClosed = """
        2026/11/21 19:40:12 [error] 15674#15674: *299 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: , request: "POST /ok HTTP/1.1", upstream: "http://127.0.0.1:18087/ok", host: "n"
        """;

    private const string UpstreamReset = """
        2026/11/21 19:40:15 [error] 15674#15674: *301 recv() failed (104: Connection reset by peer) while reading response header from upstream, client: 127.0.0.1, server: , request: "GET /items HTTP/1.1", upstream: "http://127.0.0.1:18087/items", host: "127.0.0.1:18090"
        """;

    private const string UpstreamRefused = """
        2026/11/21 19:40:16 [error] 15674#15674: *302 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:18088/", host: "127.0.0.1:18090"
        """;

    private const string ClientReset = """
        2026/11/21 19:29:03 [info] 14788#14788: *19 writev() failed (104: Connection reset by peer) while sending to client, client: 127.0.0.1, server: , request: "GET /r HTTP/1.1", upstream: "http://127.0.0.1:18085/r", host: "127.0.0.1:18090"
        """;

    private const string KeepaliveClosed = "2026/11/21 20:27:47 [info] 3131#3131: *1 client 127.0.0.1 closed keepalive connection";

    private const string Buffered = """
        2026/11/21 20:27:40 [warn] 3131#3131: *3 an upstream response is buffered to a temporary file /tmp/brokenpipe-lab/x/nginx/temp/proxy/1/00/0000000001 while reading upstream, client: 127.0.0.1, server: , request: "GET /big HTTP/1.1", upstream: "http://127.0.0.1:18111/big", host: "127.0.0.1:18112"
        """;

    private const string WorkerStarted = "2026/11/21 20:27:31 [notice] 3024#3024: start worker process 3025";

    [Fact]
    public void ParseError_TimedOutReadingHeader_IsUpstreamTimedOutHeaderWithErrno110()
    {
        var e = NginxLogParser.ParseError(TimedOutHeader);

        Assert.NotNull(e);
        Assert.Equal((EventKind.ProxyUpstreamTimedOutHeader, SocketFailure.TimedOut, 110), (e.Kind, e.Failure, e.Errno));
        Assert.Equal(TimedOutHeader, e.Line);
    }

    [Fact]
    public void ParseError_TimedOutReadingBody_IsUpstreamTimedOutBody()
    {
        var e = NginxLogParser.ParseError(TimedOutBody);

        Assert.Equal((EventKind.ProxyUpstreamTimedOutBody, SocketFailure.TimedOut, 110), (e?.Kind, e?.Failure, e?.Errno));
    }

    [Fact]
    public void ParseError_TimedOutConnecting_IsNotABodyTimeout()
    {
        const string line = """
            2026/11/21 20:30:00 [error] 3024#3024: *4 upstream timed out (110: Connection timed out) while connecting to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://10.255.255.1:80/", host: "127.0.0.1:18112"
            """;

        var e = NginxLogParser.ParseError(line);

        Assert.NotEqual(EventKind.ProxyUpstreamTimedOutBody, e?.Kind);
    }

    [Fact]
    public void ParseError_ClientPrematurelyClosed_IsClientClosedEndOfStream()
    {
        var e = NginxLogParser.ParseError(ClientClosed);

        Assert.Equal((EventKind.ProxyClientClosed, SocketFailure.EndOfStream, (int?)null), (e?.Kind, e?.Failure, e?.Errno));
    }

    [Fact]
    public void ParseError_WritevBrokenPipeToClient_IsClientBrokenPipeErrno32()
    {
        var e = NginxLogParser.ParseError(ClientBrokenPipe);

        Assert.Equal((EventKind.ProxyClientBrokenPipe, SocketFailure.BrokenPipe, 32), (e?.Kind, e?.Failure, e?.Errno));
    }

    [Fact]
    public void ParseError_ResetWhileSendingToClient_IsClientReset()
    {
        var e = NginxLogParser.ParseError(ClientReset);

        Assert.Equal((EventKind.ProxyClientReset, SocketFailure.ConnectionReset, 104), (e?.Kind, e?.Failure, e?.Errno));
    }

    [Fact]
    public void ParseError_UpstreamPrematurelyClosed_IsUpstreamClosed()
    {
        var e = NginxLogParser.ParseError(UpstreamClosed);

        Assert.Equal((EventKind.ProxyUpstreamClosed, SocketFailure.EndOfStream), (e?.Kind, e?.Failure));
    }

    [Fact]
    public void ParseError_RecvResetFromUpstream_IsUpstreamResetErrno104()
    {
        var e = NginxLogParser.ParseError(UpstreamReset);

        Assert.Equal((EventKind.ProxyUpstreamReset, SocketFailure.ConnectionReset, 104), (e?.Kind, e?.Failure, e?.Errno));
    }

    [Fact]
    public void ParseError_ConnectRefused_IsUpstreamRefusedErrno111()
    {
        var e = NginxLogParser.ParseError(UpstreamRefused);

        Assert.Equal((EventKind.ProxyUpstreamRefused, SocketFailure.Refused, 111), (e?.Kind, e?.Failure, e?.Errno));
    }

    [Theory]
    [InlineData(KeepaliveClosed)]
    [InlineData(WorkerStarted)]
    public void ParseError_RoutineInfoOrNotice_IsNull(string line)
    {
        Assert.Null(NginxLogParser.ParseError(line));
    }

    [Fact]
    public void ParseError_OtherWarning_IsProxyLogWithoutFailure()
    {
        var e = NginxLogParser.ParseError(Buffered);

        Assert.Equal((EventKind.ProxyLog, (SocketFailure?)null, (int?)null), (e?.Kind, e?.Failure, e?.Errno));
    }

    [Theory]
    [InlineData("")]
    [InlineData("nginx: [emerg] unknown directive \"bogus\" in /etc/nginx/nginx.conf:3")]
    [InlineData("200 - 0.000 - 1 329 \"GET / HTTP/1.1\"")]
    public void ParseError_NotAnErrorLogLine_IsNull(string line)
    {
        Assert.Null(NginxLogParser.ParseError(line));
    }

    [Fact]
    public void ParseAccess_LabFormat_IsProxyAccessWithStatus()
    {
        var e = NginxLogParser.ParseAccess("504 504 2.002 2.003 2 329 \"GET /export HTTP/1.1\"");

        Assert.Equal((EventKind.ProxyAccess, 504), (e?.Kind, e?.Status));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("2026/11/21 20:27:47 [info] 3131#3131: *1 client 127.0.0.1 closed keepalive connection")]
    public void ParseAccess_NotAnAccessLine_IsNull(string line)
    {
        Assert.Null(NginxLogParser.ParseAccess(line));
    }

    [Theory]
    [InlineData("200 502, 200 0.001 0.000, 0.001 7 312 \"GET /items HTTP/1.1\"", new[] { "502", "200" })]
    [InlineData("499 - 1.001 1.001 3 0 \"GET /r HTTP/1.1\"", new[] { "-" })]
    [InlineData("504 504 2.002 2.003 2 329 \"GET /export HTTP/1.1\"", new[] { "504" })]
    [InlineData("garbage", new string[0])]
    public void UpstreamStatuses_AccessLine_InOrder(string line, string[] expected)
    {
        Assert.Equal(expected, NginxLogParser.UpstreamStatuses(line));
    }

    [Fact]
    public void ParseError_ClientPrematurelyClosedWithReset_FailureMatchesErrno104()
    {
        // Written by nginx 1.22.1 when the client closed with SO_LINGER 0 while nginx waited on the upstream.
        const string line = """
            2026/11/21 20:37:24 [info] 10274#10274: *2 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too (104: Connection reset by peer) while sending request to upstream, client: 127.0.0.1, server: , request: "GET / HTTP/1.1", upstream: "http://127.0.0.1:36145/", host: "127.0.0.1:42965"
            """;

        var e = NginxLogParser.ParseError(line);

        Assert.Equal((EventKind.ProxyClientClosed, SocketFailure.ConnectionReset, 104), (e?.Kind, e?.Failure, e?.Errno));
    }
}
