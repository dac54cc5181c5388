// The counterpart of the nginx README example: the Kong-like example config cuts a 90 s export at 60 s.
using BrokenPipe.Lab.Checks;

namespace MyTeam.Tests;

/// <summary>The counterpart: the Kong-like example cuts the export at 60 s (a class of its own, to run beside the other).</summary>
[Trait("Category", "Slow")]
public class KongLikeIngressTests
{
    [Fact]
    public async Task KongLikeIngress_SlowExport_IsCutAtSixtySeconds()
    {
        var result = await ProxyChecks.LongResponseAsync(
            BrokenPipe.Scenarios.Tests.RepoFiles.NginxExample("kong-like-60s.conf"),
            new ProxyCheckOptions { LongResponse = TimeSpan.FromSeconds(90) });

        Assert.False(result.Passed, result.Observed);
        Assert.StartsWith("HTTP 504", result.Observed);
    }
}
