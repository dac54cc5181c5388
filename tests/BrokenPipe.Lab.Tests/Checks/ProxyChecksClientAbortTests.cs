using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Tests.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Checks;

public sealed class ProxyChecksClientAbortTests
{
    [Fact]
    public async Task ClientAbortAsync_DefaultConfig_Passes499AndUpstreamAborted()
    {
        using var config = ConfigFile.Fragment();

        var result = await ProxyChecks.ClientAbortAsync(config.Path).WaitAsync(Bound.Wait);

        Assert.Null(result.Error);
        Assert.True(result.Passed, result.Observed);
        Assert.Equal("access-log status 499; upstream aborted", result.Observed);
    }

    [Fact]
    public async Task ClientAbortAsync_IgnoreClientAbortOn_FailsUpstreamNotAborted()
    {
        using var config = ConfigFile.Fragment("proxy_ignore_client_abort on;");

        var result = await ProxyChecks.ClientAbortAsync(config.Path).WaitAsync(Bound.Wait);

        Assert.Null(result.Error);
        Assert.False(result.Passed, result.Observed);
        Assert.Contains("upstream not aborted", result.Observed);
    }
}
