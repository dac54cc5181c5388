using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Tests.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Checks;

public sealed class ProxyChecksSlowClientTests
{
    [Fact]
    public async Task SlowClientAsync_OneMegabytePerSecond_ReadsTheTwoMegabytesInAboutTwoSeconds()
    {
        using var config = ConfigFile.Fragment();

        var result = await ProxyChecks.SlowClientAsync(config.Path, new ProxyCheckOptions { SlowClientBytesPerSecond = 1024 * 1024 }).WaitAsync(Bound.Wait);

        Assert.True(result.Passed, result.Observed);
        var sent = result.Events.First(e => e.Kind == EventKind.RequestSent).At;
        var completed = result.Events.First(e => e.Kind == EventKind.ResponseCompleted).At;
        Assert.InRange(completed - sent, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
    }
}
