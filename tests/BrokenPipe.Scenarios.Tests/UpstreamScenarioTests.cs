using BrokenPipe.Lab.Parts.Upstreams;
using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// The seeds' scenarios with the upstreams in their own languages (<c>--upstream</c>): each language's broken run
/// carries its runtime's words verbatim on the timeline, and its fixed run stays quiet. Skipped, with the reason,
/// where a language's runtime is missing and the lab may not install it.
/// </summary>
public sealed class UpstreamScenarioTests
{
    [UpstreamFact(UpstreamLanguage.Go)]
    public async Task Over8KbWrite_Go_FailsAt8193BytesInGosWords_AndNotAt8192()
    {
        var (broken, _) = await RunBothAsync(ScenarioIds.Over8KbWrite, "go");

        // The seed: 124 header bytes + a 6-byte chunk line + n + 2; n = 8061 is 8,193 bytes on the wire.
        var failed = Assert.Single(broken.Events, e => e.Kind == EventKind.WriteFailed);
        Assert.Equal("go[n8061]", failed.Actor);
        Assert.Equal(Errno.EPIPE, failed.Errno);
        Assert.Matches(@"^write tcp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: write: broken pipe$", failed.Verbatim);
        Assert.Contains(broken.Events, e => e.Actor == "go[n8060]" && e.Kind == EventKind.ResponseWrite && e.Bytes == 8060);
        Assert.Equal("go", broken.Upstream);
    }

    [UpstreamFact(UpstreamLanguage.Go)]
    public async Task IngressTimeout_Go_LogsTheArticlesErrorWritingBrokenPipe()
    {
        var (broken, _) = await RunBothAsync(ScenarioIds.IngressTimeout, "go");

        // The Kong/nginx article's handler line, after nginx's 2 s proxy_read_timeout closed the upstream connection.
        var failed = Assert.Single(broken.Events, e => e.Kind == EventKind.WriteFailed);
        Assert.Matches(@"^error writing: write tcp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+: write: broken pipe$", failed.Verbatim);
        Assert.Contains(broken.Events, e => e.Kind == EventKind.ProxyUpstreamTimedOutHeader);
    }

    [UpstreamTheory(UpstreamLanguage.Node)]
    [InlineData(ScenarioIds.Over8KbWrite)]
    [InlineData(ScenarioIds.IngressTimeout)]
    public Task Scenario_Node_SaysItInNodesWords(string id) =>
        AssertWordsAsync(id, "node", "Error [ERR_STREAM_DESTROYED]: Cannot call write after a stream was destroyed");

    [UpstreamTheory(UpstreamLanguage.Python)]
    [InlineData(ScenarioIds.Over8KbWrite)]
    [InlineData(ScenarioIds.IngressTimeout)]
    public Task Scenario_Python_SaysItInPythonsWords(string id) =>
        AssertWordsAsync(id, "python", "BrokenPipeError: [Errno 32] Broken pipe");

    [UpstreamTheory(UpstreamLanguage.Java)]
    [InlineData(ScenarioIds.Over8KbWrite)]
    [InlineData(ScenarioIds.IngressTimeout)]
    public Task Scenario_Java_SaysItInJavasWords(string id) =>
        AssertWordsAsync(id, "java", "java.io.IOException: Broken pipe");

    [Fact]
    public void On_AnUpstreamTheScenarioDoesNotTake_SaysWhichItTakes()
    {
        var e = Assert.Throws<ArgumentException>(() => Catalog.Find(ScenarioIds.FinVsRst)!.WithUpstream("go"));
        Assert.Contains("no upstream to choose", e.Message);
        e = Assert.Throws<ArgumentException>(() => Catalog.Find(ScenarioIds.Over8KbWrite)!.WithUpstream("cobol"));
        Assert.Contains("kestrel, raw, go, node, python, java", e.Message);
    }

    private static async Task AssertWordsAsync(string id, string upstream, string words)
    {
        var (broken, _) = await RunBothAsync(id, upstream);

        var failures = broken.Events.Where(e => e.Kind == EventKind.WriteFailed).ToList();
        Assert.NotEmpty(failures);
        Assert.All(failures, e => Assert.Equal(words, e.Verbatim));
        // explain, given the runtime's words, names this scenario, and first a scenario whose runs write them (the two seeds'
        // scenarios write the same words, so which of them comes first is the id's words' choice).
        var ranked = Lab.Explain.Explainer.Explain(words, Catalog.All);
        Assert.Contains(ranked, x => x.Scenario.Id == id);
        Assert.Contains(ranked[0].Scenario.Id, new[] { ScenarioIds.Over8KbWrite, ScenarioIds.IngressTimeout });
    }

    /// <summary>Both variants on <paramref name="upstream"/>, side by side; each must meet its expectation.</summary>
    private static async Task<(ScenarioResult Broken, ScenarioResult Fixed)> RunBothAsync(string id, string upstream)
    {
        var scenario = Catalog.Find(id)!.WithUpstream(upstream);
        var broken = ScenarioRunner.RunAsync(scenario, Variant.Broken);
        var @fixed = ScenarioRunner.RunAsync(scenario, Variant.Fixed);
        foreach (var r in await Task.WhenAll(broken, @fixed)) Assert.True(r.Outcome == Outcome.Met, TextReport.Narrate(scenario, r));
        return (await broken, await @fixed);
    }

    /// <summary>A fact skipped, with the reason, where the language's runtime is missing and the lab may not install it.</summary>
    private sealed class UpstreamFactAttribute : FactAttribute
    {
        public UpstreamFactAttribute(UpstreamLanguage language)
        {
            if (UpstreamServer.Unavailable(language) is { } reason) Skip = reason;
        }
    }

    /// <summary>A theory skipped, with the reason, where the language's runtime is missing and the lab may not install it.</summary>
    private sealed class UpstreamTheoryAttribute : TheoryAttribute
    {
        public UpstreamTheoryAttribute(UpstreamLanguage language)
        {
            if (UpstreamServer.Unavailable(language) is { } reason) Skip = reason;
        }
    }
}
