using System.Text.Json;
using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>The CLI as users and outside tools meet it: exit codes, one-line errors, the JSON contract.</summary>
public sealed class CliAppTests
{
    private static readonly string[] RunKeys = ["id", "variant", "expected", "outcome", "durationMs", "upstream", "firstDisconnect", "events", "checks", "error"];
    private static readonly string[] EventKeys = ["atMs", "side", "kind", "failure", "errno", "detail"];
    private static readonly string[] Sides = ["client", "proxy", "server", "redis", "middlebox", "lab"];
    private static readonly string?[] Failures = [null, "broken-pipe", "connection-reset", "timed-out", "end-of-stream", "refused", "canceled"];

    [Fact]
    public async Task List_Always_PrintsOneLinePerScenario()
    {
        var (code, stdout, _) = await RunAsync("list");
        Assert.Equal(0, code);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Catalog.All.Count, lines.Length);
        Assert.StartsWith(ScenarioIds.FinVsRst, lines[0]);
    }

    [Fact]
    public async Task List_ARootOnlyScenario_IsMarked()
    {
        var (code, stdout, _) = await RunAsync("list");

        Assert.Equal(0, code);
        Assert.Contains(stdout.Split('\n'), l => l.StartsWith(ScenarioIds.NatIdleDrop + " ", StringComparison.Ordinal) && l.TrimEnd().EndsWith("(needs root)", StringComparison.Ordinal));
    }

    [Fact]
    public void ParseRun_All_SkipsWhatThisMachineCannotRun_ButNamedIdsAreRunAnyway()
    {
        Assert.True(Arguments.ParseRun(["--all"], Catalog.All).SkipUnavailable);
        Assert.False(Arguments.ParseRun([ScenarioIds.NatIdleDrop], Catalog.All).SkipUnavailable);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("run", "--help")]
    [InlineData("run", "fin-vs-rst", "-h")]
    [InlineData("check-proxy", "--help")]
    [InlineData("images", "-h")]
    public async Task Help_AskedForAnywhere_PrintsTheUsageAndRunsNothing(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(0, code);
        Assert.StartsWith("brokenpipe-lab:", stdout);
        Assert.Contains("run options:", stdout);
        Assert.DoesNotContain("MET", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Describe_KnownId_PrintsTheStory()
    {
        var (code, stdout, _) = await RunAsync("describe", ScenarioIds.Over8KbWrite);
        Assert.Equal(0, code);
        Assert.Contains("On the wire:", stdout);
        Assert.Contains("The fix:", stdout);
    }

    [Theory]
    [InlineData("describe", "no-such-scenario")]
    [InlineData("run", "no-such-scenario")]
    [InlineData("run", "--frobnicate")]
    [InlineData("run", "fin-vs-rst", "--variant", "sideways")]
    [InlineData("run", "fin-vs-rst", "--json")]
    [InlineData("run")]
    [InlineData("run", "--all", "--parallel", "0")]
    [InlineData("run", "--all", "--parallel", "many")]
    [InlineData("explode")]
    public async Task BadInput_Always_OneLineOnStderrAndExitCode2(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", stderr);
    }

    [Fact]
    public async Task Run_Parallel_ResultsComeInTheOrderAsked()
    {
        var path = Path.Combine(Path.GetTempPath(), $"brokenpipe-cli-{Guid.NewGuid():N}.json");
        try
        {
            var (code, _, _) = await RunAsync("run", ScenarioIds.WriteThresholdSweep, ScenarioIds.FinVsRst, "--parallel", "4", "--json", path);
            Assert.Equal(0, code);
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            Assert.Equal(
                [(ScenarioIds.WriteThresholdSweep, "broken"), (ScenarioIds.WriteThresholdSweep, "fixed"), (ScenarioIds.FinVsRst, "broken"), (ScenarioIds.FinVsRst, "fixed")],
                doc.RootElement.EnumerateArray().Select(r => (r.GetProperty("id").GetString(), r.GetProperty("variant").GetString())));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Run_WithJson_WritesTheContract()
    {
        var path = Path.Combine(Path.GetTempPath(), $"brokenpipe-cli-{Guid.NewGuid():N}.json");
        try
        {
            var (code, stdout, _) = await RunAsync("run", ScenarioIds.FinVsRst, "--json", path);
            Assert.Equal(0, code);
            Assert.Contains("first disconnect: the client", stdout);
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
            Assert.Equal(2, doc.RootElement.GetArrayLength());
            foreach (var run in doc.RootElement.EnumerateArray())
            {
                Assert.Equal(RunKeys, run.EnumerateObject().Select(p => p.Name));
                Assert.Equal("met", run.GetProperty("outcome").GetString());
                var first = run.GetProperty("firstDisconnect");
                Assert.Equal(["side", "atMs", "how"], first.EnumerateObject().Select(p => p.Name));
                Assert.Equal("client", first.GetProperty("side").GetString());
                foreach (var e in run.GetProperty("events").EnumerateArray())
                {
                    Assert.Equal(EventKeys, e.EnumerateObject().Select(p => p.Name));
                    Assert.Contains(e.GetProperty("side").GetString(), Sides);
                    Assert.Contains(e.GetProperty("failure").ValueKind == JsonValueKind.Null ? null : e.GetProperty("failure").GetString(), Failures);
                }
            }
            var broken = doc.RootElement[0];
            Assert.Equal("broken", broken.GetProperty("variant").GetString());
            Assert.Contains(
                broken.GetProperty("events").EnumerateArray(),
                e => e.GetProperty("side").GetString() == "server" && e.GetProperty("failure").GetString() == "broken-pipe" && e.GetProperty("errno").GetInt32() == 32);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Run_OneVariant_WritesOneObject()
    {
        var (code, stdout, _) = await RunAsync("run", ScenarioIds.FinVsRst, "--variant", "fixed", "--json", "-");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        Assert.Equal("fixed", doc.RootElement.GetProperty("variant").GetString());
    }

    [Theory]
    [InlineData("all", 3)]
    [InlineData("2.8.16", 1)]
    [InlineData("1.2.6,3.4.35", 2)]
    public void ParseRun_SeRedis_SetsTheLibraryVersions(string value, int count)
    {
        var request = Arguments.ParseRun([ScenarioIds.RedisIdleReset, "--seredis", value], Catalog.All);

        Assert.Equal(count, request.Settings.SeRedis.Count);
    }

    [Fact]
    public void ParseRun_NoSeRedis_DefaultsTo3x()
    {
        Assert.Equal([SeRedisVersion.V3_4_35], Arguments.ParseRun([ScenarioIds.RedisIdleReset], Catalog.All).Settings.SeRedis);
    }

    [Theory]
    [InlineData("run", "redis-idle-reset", "--seredis", "2.9")]
    [InlineData("--seredis", "4.0")]
    [InlineData("seredis-table", "--runs", "0")]
    public async Task SeRedis_BadValue_ExitsWithTwoAndOneLine(params string[] args)
    {
        var (code, _, stderr) = await RunAsync(args);

        Assert.Equal(2, code);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("redis-py", new[] { "redis-py" })]
    [InlineData("ioredis,se-redis@1.2.6", new[] { "se-redis@1.2.6", "ioredis" })]
    [InlineData("all", new[] { "se-redis@1.2.6", "se-redis@2.8.16", "se-redis@3.4.35", "redis-py", "ioredis", "node-redis" })]
    public void ParseRun_RedisClient_SetsTheClientsInTableOrder(string value, string[] names)
    {
        var request = Arguments.ParseRun([ScenarioIds.RedisQueryBufferLimit, "--redis-client", value], Catalog.All);

        Assert.Equal(names, request.Settings.RedisClients.Select(k => k.Name));
    }

    [Fact]
    public void ParseRun_SeRedisAfterRedisClient_ReplacesOnlyTheStackExchangeRedisClients()
    {
        var request = Arguments.ParseRun([ScenarioIds.RedisQueryBufferLimit, "--redis-client", "redis-py,se-redis@3.4.35", "--seredis", "1.2.6"], Catalog.All);

        Assert.Equal(["se-redis@1.2.6", "redis-py"], request.Settings.RedisClients.Select(k => k.Name));
    }

    [Theory]
    [InlineData("run", "redis-query-buffer-limit", "--redis-client", "jedis")]
    [InlineData("--redis-client", "redis-py,lettuce")]
    public async Task RedisClient_UnknownName_ExitsWithTwoAndTheList(params string[] args)
    {
        var (code, _, stderr) = await RunAsync(args);

        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("se-redis@1.2.6, se-redis@2.8.16, se-redis@3.4.35, redis-py, ioredis, node-redis", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Describe_ARedisScenario_ShowsEachVersionsMeasuredRow()
    {
        var (code, stdout, _) = await RunAsync("describe", ScenarioIds.RedisIdleDrop);

        Assert.Equal(0, code);
        Assert.All(SeRedisVersions.All, v => Assert.Contains(stdout.Split('\n'), l => l.TrimStart().StartsWith(v.Name() + " ", StringComparison.Ordinal)));
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await new CliApp(stdout, stderr, Catalog.All).RunAsync(args);
        return (code, stdout.ToString(), code == 2 ? stderr.ToString() : "");
    }
}
