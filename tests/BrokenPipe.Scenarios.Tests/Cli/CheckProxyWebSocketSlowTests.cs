namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>The websocket example with the default timings: nginx's default 60 s read timeout closes the idle websocket, and the check shows when.</summary>
[Trait("Category", "Slow")]
public sealed class CheckProxyWebSocketSlowTests
{
    [Fact]
    public async Task CheckProxy_WebSocketMapDefaults_PassesAndShowsNginxClosingTheIdleWebSocketAtSixtySeconds()
    {
        var (code, stdout, _) = await InProcessCli.RunAsync(["check-proxy", "--config", RepoFiles.NginxExample("websocket-map.conf"), "--only", "websocket-idle"]);

        Assert.True(code == 0, stdout);
        // nginx's timer starts when it relays the 101, a moment before the client reads it: "59.9 s" on a loaded machine.
        Assert.Matches(@"still open after 30 s idle; nginx closed it after (59\.\d|6\d(\.\d)?) s idle", stdout);
    }
}
