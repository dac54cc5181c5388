using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Tests.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Checks;

/// <summary>The checks on the repository's example configs and on a plain fragment, with short timings.</summary>
public sealed class ProxyChecksExamplesTests
{
    [Fact]
    public async Task KeepAliveReuseAsync_KongLike60s_FailsWithA502()
    {
        var options = new ProxyCheckOptions { UpstreamIdleTimeout = TimeSpan.FromMilliseconds(500), KeepAliveRequests = 2 };

        var result = await ProxyChecks.KeepAliveReuseAsync(ConfigFile.RepoFile("nginx/examples/kong-like-60s.conf"), options).WaitAsync(Bound.Wait);

        Assert.Null(result.Error);
        Assert.False(result.Passed, result.Observed);
        Assert.Contains("POST 502", result.Observed);
    }

    [Fact]
    public async Task KeepAliveReuseAsync_KongLikeFixed_PassesWhenTheUpstreamIdlesLongerThanNginxKeepsIt()
    {
        // kong-like-fixed.conf drops idle upstream connections after 1 s; this upstream drops them after 1.5 s.
        var options = new ProxyCheckOptions { UpstreamIdleTimeout = TimeSpan.FromMilliseconds(1500), KeepAliveRequests = 2 };

        var result = await ProxyChecks.KeepAliveReuseAsync(ConfigFile.RepoFile("nginx/examples/kong-like-fixed.conf"), options).WaitAsync(Bound.Wait);

        Assert.Null(result.Error);
        Assert.True(result.Passed, result.Observed);
    }

    [Fact]
    public async Task RunAllAsync_PlainFragmentShortTimings_AllPassInOrderButWebSocketNotExercised()
    {
        using var config = ConfigFile.Fragment();
        var options = new ProxyCheckOptions
        {
            LongResponse = TimeSpan.FromMilliseconds(500),
            SlowClientBytesPerSecond = 1024 * 1024,
            UpstreamIdleTimeout = TimeSpan.FromMilliseconds(300),
            KeepAliveRequests = 2,
            StreamGap = TimeSpan.FromMilliseconds(300),
            WebSocketIdle = TimeSpan.FromMilliseconds(300),
        };

        // The slow-client check reads 2 MB at no more than ~240 KB/s whatever the rate asked (see ProxyChecksSlowClientTests): ~9 s.
        var results = await ProxyChecks.RunAllAsync(config.Path, options).WaitAsync(3 * Bound.Wait);

        Assert.Equal(ProxyChecks.Names, results.Select(r => r.Name));
        // A plain fragment passes no Upgrade header upstream: the websocket check has nothing to judge.
        Assert.Equal(ProxyCheckVerdict.NotExercised, results.Single(r => r.Name == ProxyChecks.WebSocketIdleName).Verdict);
        Assert.All(results.Where(r => r.Name != ProxyChecks.WebSocketIdleName), r => Assert.True(r.Passed && r.Error is null, $"{r.Name}: {r.Observed} {r.Error}"));
        Assert.All(results, r => Assert.NotEmpty(r.Events));
    }
}
