using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Tests.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Checks;

public sealed class ProxyChecksLongResponseTests
{
    private static readonly ProxyCheckOptions TwoSeconds = new() { LongResponse = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task LongResponseAsync_ReadTimeoutShorterThanTheResponse_FailsWith504()
    {
        using var config = ConfigFile.Fragment("proxy_read_timeout 1s;");

        var result = await ProxyChecks.LongResponseAsync(config.Path, TwoSeconds).WaitAsync(Bound.Wait);

        Assert.Null(result.Error);
        Assert.False(result.Passed, result.Observed);
        Assert.StartsWith("HTTP 504", result.Observed);
        Assert.Equal(ProxyChecks.LongResponseName, result.Name);
    }

    [Fact]
    public async Task LongResponseAsync_ReadTimeoutLongerThanTheResponse_Passes()
    {
        using var config = ConfigFile.Fragment("proxy_read_timeout 10s;");

        var result = await ProxyChecks.LongResponseAsync(config.Path, TwoSeconds).WaitAsync(Bound.Wait);

        Assert.Null(result.Error);
        Assert.True(result.Passed, result.Observed);
        Assert.StartsWith("HTTP 200", result.Observed);
        Assert.Contains("complete", result.Observed);
    }

    [Fact]
    public async Task LongResponseAsync_InvalidConfig_ThrowsNginxsMessageInsteadOfFailing()
    {
        using var config = ConfigFile.Fragment("proxy_read_timeout forever;");

        var e = await Assert.ThrowsAsync<BrokenPipe.Lab.Parts.Nginx.NginxConfigException>(() => ProxyChecks.LongResponseAsync(config.Path, TwoSeconds).WaitAsync(Bound.Wait));

        Assert.Contains("[emerg]", e.Message);
    }
}
