using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>
/// The shipped example configs, modelled on the configs teams really have, each with the verdict it must get (short
/// timings, a few checks each, so the class runs in well under a minute). None of them may get a false exit code 1.
/// </summary>
public sealed class CheckProxyConfigsTests
{
    private static readonly string[] Quick = ["--long-response", "2s", "--stream-gap", "1s", "--upstream-idle", "500ms", "--slow-client-rate", "4194304", "--websocket-idle", "1s"];

    [Theory]
    [InlineData("debian-style.conf", "long-response,keepalive-reuse", "", 0, "long-response=pass keepalive-reuse=pass", "moved: listen [::]:8080")]
    [InlineData("unprivileged.conf", "slow-client,large-upload", "", 0, "slow-client=pass large-upload=pass", "taken over: client_body_temp_path")]
    [InlineData("tls-offloader.conf", "long-response,client-abort,slow-client", "", 0, "long-response=pass client-abort=pass slow-client=pass", "listener HTTP/2 over TLS")]
    [InlineData("websocket-map.conf", "keepalive-reuse,websocket-idle", "", 0, "keepalive-reuse=pass websocket-idle=pass", "upgraded (101)")]
    [InlineData("keepalive-http10.conf", "keepalive-reuse", "", 0, "keepalive-reuse=pass", "reused an upstream connection 0 time(s)")]
    [InlineData("cache.conf", "streaming-gaps,long-response", "", 0, "streaming-gaps=pass long-response=pass", "proxy_cache_path /var/cache/nginx/app")]
    [InlineData("api-location.conf", "long-response,keepalive-reuse", "/api/", 0, "long-response=pass keepalive-reuse=pass", "GET /api/export")]
    [InlineData("gateway.conf", "long-response,keepalive-reuse", "/orders/", 0, "long-response=pass keepalive-reuse=pass", "")]
    [InlineData("unix-upstream.conf", "long-response,keepalive-reuse", "", 0, "long-response=pass keepalive-reuse=pass", "")]
    [InlineData("cache.conf", "client-abort,slow-client", "", 0, "client-abort=not-exercised slow-client=pass", "that is the cache's design")]
    [InlineData("auth-request.conf", "long-response,client-abort,websocket-idle", "", 0, "long-response=pass client-abort=pass websocket-idle=pass", "auth subrequest(s) (GET /auth/check)")]
    [InlineData("close-delimited.conf", "streaming-gaps", "", 0, "streaming-gaps=pass", "\"framing\": \"close-delimited\"")]
    [InlineData("websocket-http10.conf", "websocket-idle", "", 0, "websocket-idle=pass", "warning: the upgrade reached the upstream as HTTP/1.0")]
    [InlineData("grpc.conf", "keepalive-reuse,streaming-gaps", "", 2, "keepalive-reuse=not-exercised streaming-gaps=not-exercised", "passes the check's request for /items upstream as grpc_pass")]
    [InlineData("kong-like-60s.conf", "keepalive-reuse,client-abort", "", 1, "keepalive-reuse=fail client-abort=pass", "POST 502")]
    public async Task CheckProxy_ExampleConfig_GetsItsVerdict(string example, string only, string path, int exitCode, string verdicts, string shown)
    {
        var json = Path.GetTempFileName();
        try
        {
            string[] args = ["check-proxy", "--config", RepoFiles.NginxExample(example), "--only", only, .. Quick, "--json", json, .. path.Length > 0 ? new[] { "--path", path } : []];

            var (code, stdout, stderr) = await InProcessCli.RunAsync(args);

            Assert.True(code == exitCode, $"exit {code}\n{stdout}\n{stderr}");
            using var doc = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var got = string.Join(' ', doc.RootElement.GetProperty("checks").EnumerateArray().Select(c => $"{c.GetProperty("check").GetString()}={c.GetProperty("verdict").GetString()}"));
            Assert.Equal(string.Join(' ', verdicts.Split(' ').Order()), string.Join(' ', got.Split(' ').Order()));
            Assert.Contains(shown, stdout + File.ReadAllText(json));
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task CheckProxy_OnlyNotProxiedPaths_ExitCode2SayingNoCheckReachedTheUpstream()
    {
        var (code, stdout, stderr) = await InProcessCli.RunAsync(["check-proxy", "--config", RepoFiles.NginxExample("api-location.conf"), "--only", "long-response,slow-client", .. Quick]);

        Assert.Equal(2, code);
        Assert.Contains("NOT-EXERCISED  long-response", stdout);
        Assert.Contains("nginx answered 404 itself", stdout);
        Assert.StartsWith("error: no check was exercised", stderr.Split('\n').Last(l => l.Length > 0));
        Assert.Contains("--path", stderr);
    }

    [Fact]
    public async Task CheckProxy_Junit_FailureIsAFailureAndNotExercisedIsSkipped()
    {
        var junit = Path.GetTempFileName();
        try
        {
            var (code, stdout, _) = await InProcessCli.RunAsync(["check-proxy", "--config", RepoFiles.NginxExample("kong-like-60s.conf"), "--only", "keepalive-reuse,websocket-idle", .. Quick, "--junit", junit]);

            Assert.True(code == 1, stdout);
            var suite = System.Xml.Linq.XDocument.Load(junit).Root!;
            Assert.Equal(("2", "1", "1"), ((string)suite.Attribute("tests")!, (string)suite.Attribute("failures")!, (string)suite.Attribute("skipped")!));
            Assert.NotNull(suite.Elements("testcase").Single(t => (string)t.Attribute("name")! == "keepalive-reuse").Element("failure"));
            Assert.NotNull(suite.Elements("testcase").Single(t => (string)t.Attribute("name")! == "websocket-idle").Element("skipped"));
        }
        finally
        {
            File.Delete(junit);
        }
    }

    [Fact]
    public async Task CheckProxy_Http2OnDirectiveOnOldNginx_ExitCode2NamingTheVersionAndTheWayOut()
    {
        var (code, _, stderr) = await InProcessCli.RunAsync(["check-proxy", "--config", RepoFiles.NginxExample("http2-directive.conf")]);

        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("http2-directive.conf:6", line); // the user's file and line, not the rendered one
        Assert.Contains("1.25.1", line);
        Assert.Contains("--nginx", line);
        Assert.Contains("--image", line);
    }
}
