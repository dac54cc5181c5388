namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>The fixed example passes every default check (a class of its own, to run beside the failing one).</summary>
[Trait("Category", "Slow")]
public sealed class CheckProxyFixedExampleTests
{
    [Fact]
    public async Task CheckProxy_FixedExample_PassesEveryCheck()
    {
        var (code, stdout) = await CheckProxyExamplesTests.RunAsync("kong-like-fixed.conf");
        Assert.True(code == 0, stdout);
    }
}
