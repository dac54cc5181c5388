using System.Text.Json.Nodes;
using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary><c>--shard K/N</c> cuts the runs into disjoint parts that cover them once; <c>merge</c> joins the parts' JSON into one report.</summary>
public sealed class ShardMergeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shard-merge-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Take_EveryShardOfN_CoverTheRunsExactlyOnce(int n)
    {
        var runs = Enumerable.Range(0, 50).ToList();

        var shards = Enumerable.Range(1, n).Select(k => new RunShard(k, n).Take(runs)).ToList();

        Assert.Equal(runs, shards.SelectMany(s => s).Order());
        Assert.True(shards.Max(s => s.Count) - shards.Min(s => s.Count) <= 1);
    }

    [Theory]
    [InlineData("0/2")]
    [InlineData("3/2")]
    [InlineData("1/0")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public async Task Shard_NotKOfN_IsOneLineAndExit2(string value)
    {
        var (code, _, stderr) = await InProcessCli.RunAsync(["run", "--all", "--shard", value]);

        Assert.Equal(2, code);
        Assert.Equal($"error: --shard needs K/N with 1 ≤ K ≤ N ≤ 256 (e.g. 1/2), not '{value}'", stderr.Trim());
    }

    [Fact]
    public async Task Merge_TwoShards_IsEveryRunOnceInTheCatalogsOrder_WithTheSameJsonAndADiagramEach()
    {
        string[] ids = [ScenarioIds.HalfClose, ScenarioIds.FinVsRst];
        var a = Path.Combine(_dir, "a.json");
        var b = Path.Combine(_dir, "b.json");
        var (codeA, _, stderrA) = await InProcessCli.RunAsync(["run", .. ids, "--shard", "1/2", "--json", a]);
        var (codeB, _, _) = await InProcessCli.RunAsync(["run", .. ids, "--shard", "2/2", "--json", b]);
        Assert.Contains("shard 1/2: 2 of 4 runs", stderrA, StringComparison.Ordinal);

        var merged = Path.Combine(_dir, "m.json");
        var html = Path.Combine(_dir, "m.html");
        var (code, stdout, _) = await InProcessCli.RunAsync(["merge", a, b, "--json", merged, "--html", html]);

        Assert.Equal(codeA == 0 && codeB == 0 ? 0 : 1, code);
        Assert.Contains("merged 4 runs from 2 files", stdout, StringComparison.Ordinal);
        var shardRuns = Runs(a).Concat(Runs(b)).Select(r => r.ToJsonString()).Order().ToList();
        var mergedRuns = Runs(merged);
        Assert.Equal(shardRuns, mergedRuns.Select(r => r.ToJsonString()).Order());
        var order = Catalog.All.Select(s => s.Id).ToList();
        Assert.Equal(
            [(ScenarioIds.FinVsRst, "broken"), (ScenarioIds.FinVsRst, "fixed"), (ScenarioIds.HalfClose, "broken"), (ScenarioIds.HalfClose, "fixed")],
            mergedRuns.Select(r => ((string)r["id"]!, (string)r["variant"]!)).OrderBy(r => order.IndexOf(r.Item1)).ThenBy(r => r.Item2));
        Assert.Equal(
            mergedRuns.Select(r => ((string)r["id"]!, (string)r["variant"]!)).ToList(),
            mergedRuns.Select(r => ((string)r["id"]!, (string)r["variant"]!)).OrderBy(r => order.IndexOf(r.Item1)).ThenBy(r => r.Item2).ToList());
        Assert.Equal(4, CountOf(File.ReadAllText(html), "<svg"));
    }

    [Fact]
    public async Task Merge_TheSameRunTwice_IsOneLineAndExit2()
    {
        var a = Path.Combine(_dir, "a.json");
        await InProcessCli.RunAsync(["run", ScenarioIds.FinVsRst, "--variant", "fixed", "--json", a]);

        var (code, _, stderr) = await InProcessCli.RunAsync(["merge", a, a]);

        Assert.Equal(2, code);
        Assert.Equal($"error: merge: the run \"fin-vs-rst\" \"fixed\" is in both {a} and {a}", stderr.Trim());
    }

    [Theory]
    [InlineData("missing.json", "error: merge: no such file: ")]
    [InlineData("empty.json", "error: merge: ")]
    public async Task Merge_NotAResultsFile_IsOneLineAndExit2(string name, string start)
    {
        File.WriteAllText(Path.Combine(_dir, "empty.json"), "");

        var (code, _, stderr) = await InProcessCli.RunAsync(["merge", Path.Combine(_dir, name)]);

        Assert.Equal(2, code);
        Assert.StartsWith(start, stderr, StringComparison.Ordinal);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    private static List<JsonObject> Runs(string path) => JsonNode.Parse(File.ReadAllText(path)) switch
    {
        JsonArray many => [.. many.OfType<JsonObject>()],
        JsonObject one => [one],
        _ => [],
    };

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
