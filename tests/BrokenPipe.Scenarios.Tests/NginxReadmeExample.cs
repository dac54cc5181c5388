// nginx/README.md's "the same check as your own test", compiled and run as a test so that the README stays true.
// It is slow (a real 90 s export), so it carries the Slow trait; CI runs it.
using BrokenPipe.Lab.Checks;

namespace MyTeam.Tests;

[Trait("Category", "Slow")]
public class IngressTests
{
    [Fact]
    public async Task Ingress_SlowExport_SurvivesNinetySeconds()
    {
        var result = await ProxyChecks.LongResponseAsync(
            BrokenPipe.Scenarios.Tests.RepoFiles.NginxExample("kong-like-fixed.conf"),
            new ProxyCheckOptions { LongResponse = TimeSpan.FromSeconds(90) });

        Assert.True(result.Passed, result.Observed);
    }
}
