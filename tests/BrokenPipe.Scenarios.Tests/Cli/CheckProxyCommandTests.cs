using System.Text.Json;
using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>check-proxy as a team meets it: a pass/fail table, exit codes 0/1/2, nginx's own message for a bad config.</summary>
public sealed class CheckProxyCommandTests : IDisposable
{
    // Short versions of every check, so that the whole table runs in seconds.
    private static readonly string[] Quick = ["--long-response", "3s", "--stream-gap", "1s", "--upstream-idle", "500ms", "--slow-client-rate", "4194304", "--websocket-idle", "1s"];
    private readonly string _dir = Directory.CreateTempSubdirectory("brokenpipe-check-proxy-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task CheckProxy_ReadTimeoutShorterThanTheResponse_FailsLongResponseWithExitCode1()
    {
        var config = Write("short.conf", "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; proxy_read_timeout 2s; } }");
        var json = Path.Combine(_dir, "result.json");

        var (code, stdout, _) = await RunAsync(["check-proxy", "--config", config, .. Quick, "--json", json]);

        Assert.Equal(1, code);
        Assert.Contains("FAIL           long-response", stdout);
        Assert.Contains("HTTP 504", stdout);
        Assert.Contains("PASS           client-abort", stdout);
        using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var longResponse = doc.RootElement.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "long-response");
        Assert.False(longResponse.GetProperty("passed").GetBoolean());
        Assert.Contains(
            longResponse.GetProperty("events").EnumerateArray(),
            e => e.GetProperty("kind").GetString() == "proxy-upstream-timed-out-header" && e.GetProperty("errno").GetInt32() == 110);
    }

    [Fact]
    public async Task CheckProxy_GoodConfig_PassesEveryCheckWithExitCode0()
    {
        var config = Write("good.conf", "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; proxy_read_timeout 30s; } }");

        var (code, stdout, _) = await RunAsync(["check-proxy", "--config", config, .. Quick]);

        Assert.True(code == 0, stdout);
        Assert.Contains("6 of 7 checks passed, 0 failed, 1 not exercised.", stdout); // a plain route passes no websocket Upgrade
    }

    [Fact]
    public async Task CheckProxy_UpstreamKeepaliveLongerThanTheServers_FailsKeepAliveReuse()
    {
        var config = Write("keepalive.conf", """
            upstream app { server {{upstream}}; keepalive 8; keepalive_timeout 60s; }
            server {
                listen {{listen}};
                location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
            }
            """);

        var (code, stdout, _) = await RunAsync(["check-proxy", "--config", config, .. Quick]);

        Assert.Equal(1, code);
        Assert.Contains("FAIL           keepalive-reuse", stdout);
        Assert.Contains("POST 502", stdout);
    }

    [Fact]
    public async Task CheckProxy_MissingFile_ExitCode2()
    {
        var (code, _, stderr) = await RunAsync(["check-proxy", "--config", Path.Combine(_dir, "nope.conf")]);
        Assert.Equal(2, code);
        Assert.StartsWith("error: no config file at", stderr);
    }

    [Fact]
    public async Task CheckProxy_NoPlaceholders_ExitCode2NamingThem()
    {
        var config = Write("plain.conf", "server { listen 8080; location / { proxy_pass http://127.0.0.1:9; } }");
        var (code, _, stderr) = await RunAsync(["check-proxy", "--config", config]);
        Assert.Equal(2, code);
        Assert.Contains("{{listen}}", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task CheckProxy_ConfigNginxRejects_ExitCode2WithNginxsOwnMessage()
    {
        var config = Write("bad.conf", "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; proxy_read_timeout banana; } }");
        var (code, _, stderr) = await RunAsync(["check-proxy", "--config", config]);
        Assert.Equal(2, code);
        Assert.Contains("[emerg]", stderr);
        Assert.Contains("proxy_read_timeout banana", stderr);
    }

    [Theory]
    [InlineData("--long-response", "soon")]
    [InlineData("--stream-gap", "-1s")]
    [InlineData("--frobnicate", "1")]
    public async Task CheckProxy_BadFlag_ExitCode2(string flag, string value)
    {
        var config = Write("any.conf", "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; } }");
        var (code, _, stderr) = await RunAsync(["check-proxy", "--config", config, flag, value]);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", stderr);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await new CliApp(stdout, stderr, Catalog.All).RunAsync(args);
        return (code, stdout.ToString(), code == 2 ? stderr.ToString() : "");
    }
}
