using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Tests.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Checks;

public sealed class ProxyChecksKeepAliveReuseTests
{
    private static readonly ProxyCheckOptions Short = new() { UpstreamIdleTimeout = TimeSpan.FromMilliseconds(500), KeepAliveRequests = 2 };

    [Fact]
    public async Task KeepAliveReuseAsync_UpstreamKeepalivePool_FailsWithA502OnThePost()
    {
        using var config = ConfigFile.Write("""
            upstream app {
                server {{upstream}};
                keepalive 8;
            }

            server {
                listen {{listen}};

                location / {
                    proxy_pass http://app;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                }
            }
            """);

        var result = await ProxyChecks.KeepAliveReuseAsync(config.Path, Short).WaitAsync(Bound.Wait);

        Assert.Null(result.Error);
        Assert.False(result.Passed, result.Observed);
        Assert.StartsWith("GET 200, POST 502;", result.Observed);
        Assert.Contains(result.Events, e => e.Kind == EventKind.RequestDropped);
        Assert.Contains(result.Events, e => e.Kind == EventKind.ProxyUpstreamClosed);
    }

    [Fact]
    public async Task KeepAliveReuseAsync_NoUpstreamKeepalive_Passes()
    {
        using var config = ConfigFile.Fragment();

        var result = await ProxyChecks.KeepAliveReuseAsync(config.Path, Short).WaitAsync(Bound.Wait);

        Assert.Null(result.Error);
        Assert.True(result.Passed, result.Observed);
        Assert.Equal("GET 200, POST 200; nginx reused an upstream connection 0 time(s); 0 request(s) sent on a connection the upstream was closing", result.Observed);
    }
}
