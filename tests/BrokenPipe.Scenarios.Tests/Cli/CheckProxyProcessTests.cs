namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>check-proxy as CI runs it, in its own process: independent runs, nothing left behind, signals, JSON on stdout.</summary>
[Collection(nameof(CheckProxyProcessTests))]
public sealed class CheckProxyProcessTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    /// <summary>Whether <paramref name="pid"/> is an nginx that serves (not an <c>nginx -t</c> check, not gone).</summary>
    private static bool Serving(int pid)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return cmdline.Contains("-c") && !cmdline.Contains("-t");
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact]
    public async Task CheckProxy_RunTwice_SameVerdictNothingLeftOnDiskNoProcessLeft()
    {
        var cache = "/var/cache/nginx/app";
        var existed = Directory.Exists(cache);
        var verdicts = new List<string>();
        for (var run = 0; run < 2; run++)
        {
            using var cli = new CliProcess("check-proxy", "--config", RepoFiles.NginxExample("cache.conf"), "--only", "streaming-gaps,keepalive-reuse", "--stream-gap", "500ms", "--upstream-idle", "500ms", "--json", "-");

            var code = await cli.ExitAsync(Bound);

            Assert.True(code == 0, cli.Stderr);
            using var doc = System.Text.Json.JsonDocument.Parse(cli.Stdout); // --json -: stdout is the JSON and nothing else
            verdicts.Add(string.Join(' ', doc.RootElement.GetProperty("checks").EnumerateArray().Select(c => c.GetProperty("verdict").GetString())));
            Assert.Contains("proxy checks for", cli.Stderr); // the table went to stderr
            Assert.Empty(cli.Leftovers());
            Assert.Empty(cli.LeftoverDirs());
        }
        Assert.Equal(verdicts[0], verdicts[1]);
        Assert.Equal("pass pass", verdicts[0]);
        Assert.Equal(existed, Directory.Exists(cache)); // the config's cache path was never created on the machine
    }

    [Theory]
    [InlineData(15, 143)]
    [InlineData(2, 130)]
    public async Task CheckProxy_Signal_StopsWithinASecondLeavingNothing(int signal, int exitCode)
    {
        using var cli = new CliProcess("check-proxy", "--config", RepoFiles.NginxExample("kong-like-fixed.conf"), "--only", "long-response,streaming-gaps,websocket-idle");
        await cli.Started.WaitAsync(Bound);
        // The first stderr line comes after nginx -t; give the checks a moment to start their nginx copies. Each check runs
        // its own short-lived `nginx -t` first: count only the copies that serve, or the signal may land between the two.
        for (var i = 0; i < 300 && cli.Leftovers().Count(Serving) < 3; i++) await Task.Delay(50);
        Assert.NotEmpty(cli.Leftovers());

        var clock = System.Diagnostics.Stopwatch.StartNew();
        cli.Signal(signal);
        var code = await cli.ExitAsync(Bound);

        Assert.Equal(exitCode, code);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stopped after {clock.Elapsed.TotalSeconds:0.0} s"); // within a second, with slack for a loaded CI machine
        Assert.Empty(cli.Leftovers());
        Assert.Empty(cli.LeftoverDirs());
    }
}
