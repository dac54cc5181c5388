using System.Text.Json;
using BrokenPipe.Lab.Parts.Upstreams;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary><c>--upstream</c>: a value a scenario cannot take is said, never ignored; a chosen upstream names each run.</summary>
public sealed class UpstreamOptionTests
{
    [Theory]
    [InlineData("run", "over-8kb-write", "--upstream", "cobol")]
    [InlineData("--upstream", "cobol")]
    public async Task Upstream_Unknown_IsAnErrorNamingTheKnownOnes(params string[] args)
    {
        var (code, _, stderr) = await InProcessCli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains("unknown upstream 'cobol' (use kestrel, raw, go, node, python, java", stderr);
    }

    [Fact]
    public async Task Upstream_OnAScenarioWithoutAChoice_IsAnErrorSayingItRunsItsOwn()
    {
        var (code, _, stderr) = await InProcessCli.RunAsync(["run", ScenarioIds.FinVsRst, "--upstream", "go"]);

        Assert.Equal(2, code);
        Assert.Contains("fin-vs-rst has no upstream to choose", stderr);
    }

    [Fact]
    public async Task Upstream_NotAmongTheScenariosOwn_IsAnErrorListingThem()
    {
        var (code, _, stderr) = await InProcessCli.RunAsync(["run", ScenarioIds.NodeKeepaliveRace, "--upstream", "go"]);

        Assert.Equal(2, code);
        Assert.Contains("node-upstream-keepalive-race takes node or all", stderr);
    }

    [PythonFact]
    public async Task Upstream_Chosen_NamesTheRunInTheTableAndTheJson()
    {
        var path = Path.Combine(Path.GetTempPath(), $"brokenpipe-upstream-{Guid.NewGuid():N}.json");
        try
        {
            var (code, stdout, _) = await InProcessCli.RunAsync(["run", ScenarioIds.Over8KbWrite, "--upstream", "python", "--variant", "fixed", "--json", path]);

            Assert.Equal(0, code);
            Assert.Contains("over-8kb-write@python  fixed", stdout);
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path));
            Assert.Equal("python", doc.RootElement.GetProperty("upstream").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Skipped, with the reason, where python3 is missing and the lab may not install it.</summary>
    private sealed class PythonFactAttribute : FactAttribute
    {
        public PythonFactAttribute()
        {
            if (UpstreamServer.Unavailable(UpstreamLanguage.Python) is { } reason) Skip = reason;
        }
    }
}
