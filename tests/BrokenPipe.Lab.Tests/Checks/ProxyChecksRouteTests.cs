using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Tests.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Checks;

/// <summary>
/// The second round of real configs, on the repository's examples with real nginx and short timings: auth subrequests,
/// upstreams that are not HTTP/1.x, close-delimited bodies, websockets forwarded as HTTP/1.0, cached routes.
/// </summary>
public sealed class ProxyChecksRouteTests
{
    private static readonly ProxyCheckOptions Quick = new()
    {
        LongResponse = TimeSpan.FromSeconds(1),
        StreamGap = TimeSpan.FromMilliseconds(300),
        WebSocketIdle = TimeSpan.FromMilliseconds(500),
    };

    private static string Example(string name) => ConfigFile.RepoFile($"nginx/examples/{name}");

    [Fact]
    public async Task LongResponseAsync_AuthRequestRoute_SubrequestAnsweredAtOnceAndTheMainRequestJudged()
    {
        var result = await ProxyChecks.LongResponseAsync(Example("auth-request.conf"), Quick).WaitAsync(3 * Bound.Wait);

        Assert.True(result.Passed, $"{result.Observed} {result.Error}");
        Assert.Contains("the upstream also got 1 auth subrequest(s) (GET /auth/check)", result.Observed);
    }

    [Fact]
    public async Task WebSocketIdleAsync_AuthRequestRoute_UpgradesAfterTheSubrequest()
    {
        var result = await ProxyChecks.WebSocketIdleAsync(Example("auth-request.conf"), Quick).WaitAsync(3 * Bound.Wait);

        Assert.True(result.Passed, $"{result.Observed} {result.Error}");
        Assert.Contains("auth subrequest", result.Observed);
        Assert.Empty(result.Warnings);
    }

    [Fact]
    public async Task ClientAbortAsync_AuthRequestRoute_TheMainRequestIsTheOneAborted()
    {
        var result = await ProxyChecks.ClientAbortAsync(Example("auth-request.conf"), Quick).WaitAsync(3 * Bound.Wait);

        Assert.True(result.Passed, $"{result.Observed} {result.Error}");
        // The client's patience ran from the main request's arrival, which came after the subrequest's.
        var subrequest = result.Events.First(e => e.Kind == EventKind.Note && e.Actor == ProxyChecks.AuthSubrequestActor);
        var main = result.Events.Last(e => e.Side == Side.Server && e.Kind == EventKind.RequestReceived);
        Assert.Contains("/report", main.Detail);
        Assert.True(main.At >= subrequest.At);
        Assert.Contains(result.Events, e => e.Kind == EventKind.RequestAborted && e.At > main.At);
    }

    [Fact]
    public async Task RunAllAsync_GrpcRoute_NothingExercisedAndEachSaysWhy()
    {
        var results = await ProxyChecks.RunAllAsync(Example("grpc.conf"), Quick).WaitAsync(3 * Bound.Wait);

        Assert.All(results, r =>
        {
            Assert.Equal(ProxyCheckVerdict.NotExercised, r.Verdict);
            Assert.Contains("grpc_pass: gRPC over HTTP/2", r.Observed);
            Assert.Contains("speak HTTP/1.x only", r.Observed);
        });
    }

    [Fact]
    public async Task StreamingGapsAsync_CloseDelimitedBody_PassesWhenEveryUpstreamByteArrived()
    {
        var result = await ProxyChecks.StreamingGapsAsync(Example("close-delimited.conf"), Quick).WaitAsync(3 * Bound.Wait);

        Assert.True(result.Passed, $"{result.Observed} {result.Error}");
        Assert.Equal("close-delimited", result.Framing);
        Assert.Contains("3072 body bytes, ended by the connection's close", result.Observed);
        Assert.Contains("the upstream wrote 3072 bytes", result.Observed);
    }

    [Fact]
    public async Task StreamingGapsAsync_ChunkedRoute_FramingIsChunked()
    {
        using var config = ConfigFile.Fragment();

        var result = await ProxyChecks.StreamingGapsAsync(config.Path, Quick).WaitAsync(3 * Bound.Wait);

        Assert.True(result.Passed, $"{result.Observed} {result.Error}");
        Assert.Equal("chunked", result.Framing);
    }

    [Fact]
    public async Task WebSocketIdleAsync_UpgradeForwardedAsHttp10_PassesWithAWarning()
    {
        var result = await ProxyChecks.WebSocketIdleAsync(Example("websocket-http10.conf"), Quick).WaitAsync(3 * Bound.Wait);

        Assert.True(result.Passed, $"{result.Observed} {result.Error}");
        var warning = Assert.Single(result.Warnings);
        Assert.Contains("as HTTP/1.0", warning);
        Assert.Contains("websocket-http10.conf:10", warning);
    }

    [Fact]
    public async Task ClientAbortAsync_CachedRoute_ExplainedNeverFailed()
    {
        var result = await ProxyChecks.ClientAbortAsync(Example("cache.conf"), Quick).WaitAsync(3 * Bound.Wait);

        Assert.NotEqual(ProxyCheckVerdict.Fail, result.Verdict);
        Assert.Null(result.Error);
        Assert.Contains("the route is cached (proxy_cache app (", result.Observed);
        Assert.Contains("the cache's design", result.Observed);
    }

    [Fact]
    public async Task LongResponseAsync_OnlyTheSubrequestReachedTheUpstream_NotExercisedNamingWhatItGot()
    {
        // The main request goes out over TLS to the lab's plain upstream (502); only the auth subrequest reaches it.
        using var config = ConfigFile.Write("""
            server {
                listen {{listen}};
                location = /auth { internal; proxy_pass http://{{upstream}}/session/verify; proxy_pass_request_body off; proxy_set_header Content-Length ""; }
                location / { auth_request /auth; proxy_pass https://{{upstream}}; }
            }
            """);

        var result = await ProxyChecks.LongResponseAsync(config.Path, Quick).WaitAsync(3 * Bound.Wait);

        Assert.Equal(ProxyCheckVerdict.NotExercised, result.Verdict);
        Assert.Contains("nginx answered 502 itself; the upstream received only GET /session/verify (the auth subrequest)", result.Observed);
        Assert.Contains("never the check's own GET /export", result.Observed);
    }

    [Fact]
    public async Task StreamingGapsAsync_CloseDelimitedCutByTheReadTimeout_Fails()
    {
        // nginx's read timeout (1 s) runs out in the stream's 1.5 s gap: it closes the client's connection, which for a
        // close-delimited body looks like its end. The upstream never wrote its last chunks, so it is not whole.
        using var config = ConfigFile.Fragment("proxy_buffering off; chunked_transfer_encoding off; proxy_read_timeout 1s;");

        var result = await ProxyChecks.StreamingGapsAsync(config.Path, Quick with { StreamGap = TimeSpan.FromSeconds(1) }).WaitAsync(3 * Bound.Wait);

        Assert.Equal(ProxyCheckVerdict.Fail, result.Verdict);
        Assert.Equal("close-delimited", result.Framing);
        Assert.Contains("the upstream wrote an unfinished stream", result.Observed);
    }
}
