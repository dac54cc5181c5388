using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>The shipped examples with the default checks (a real 90 s export): slow, but CI runs them.</summary>
[Trait("Category", "Slow")]
public sealed class CheckProxyExamplesTests
{
    [Fact]
    public async Task CheckProxy_KongLikeExample_FailsTheNinetySecondExportAndKeepAliveReuse()
    {
        var (code, stdout) = await RunAsync("kong-like-60s.conf");
        Assert.Equal(1, code);
        Assert.Contains("FAIL           long-response", stdout);
        Assert.Contains("FAIL           keepalive-reuse", stdout);
        Assert.Contains("PASS           client-abort", stdout);
    }

    internal static async Task<(int Code, string Stdout)> RunAsync(string example)
    {
        var path = RepoFiles.NginxExample(example);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await new CliApp(stdout, stderr, Catalog.All).RunAsync(["check-proxy", "--config", path]);
        return (code, stdout.ToString());
    }
}
