using System.Text.Json;
using BrokenPipe.Lab.Reports;
using BrokenPipe.Scenarios.Tests.Cli;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>The proxy scenarios on HAProxy (<c>--proxy haproxy</c>): each variant meets its expectation, and what tells HAProxy from nginx is asserted by name.</summary>
public sealed class HAProxyScenarioTests
{
    private static readonly LabSettings OnHAProxy = LabSettings.Default with { Proxy = "haproxy" };

    private static async Task<ScenarioResult> MetAsync(string id, Variant variant)
    {
        var scenario = Catalog.Find(id)!;
        var result = await ScenarioRunner.RunAsync(scenario, variant, settings: OnHAProxy);
        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
        Assert.Equal("haproxy", result.Proxy);
        return result;
    }

    [HAProxyFact]
    public async Task IngressTimeout_BrokenOnHAProxy_504WithsHVerbatimAndTheUpstreamGetsAnRstNotAFin()
    {
        var result = await MetAsync(ScenarioIds.IngressTimeout, Variant.Broken);

        var events = result.Events;
        Assert.Contains(events, e => e.Actor == "client[raw]" && e.Kind == EventKind.ResponseHeaders && e.Status == 504);
        var line = Assert.Single(events, e => e.Actor == "haproxy[raw]" && e.Kind == EventKind.ProxyUpstreamTimedOutHeader);
        Assert.Matches(@" lab_upstream/upstream \d+/\d+/\d+/-1/\d+ 504 \d+ - - sH-- .* ""GET /export HTTP/1\.1""$", line.Verbatim);
        var close = events.First(e => e.Actor == "upstream[raw]" && e.Kind == EventKind.PeerClosed && e.Closed is not null);
        Assert.Equal(CloseHow.Rst, close.Closed);
        Assert.DoesNotContain(events, e => e.Actor == "upstream[raw]" && e.Closed == CloseHow.Fin && e.Peer == Side.Proxy);
        Assert.Contains(events, e => e.Actor == "upstream[raw]" && e.Kind == EventKind.SendFailed && e.Errno == Errno.ECONNRESET && e.Index == 1);
    }

    /// <summary>Every proxy scenario that runs on HAProxy, both variants: its checks name HAProxy's own lines (sH--, CD--, CH--, sD--, SH--).</summary>
    public static TheoryData<string, Variant> OnHAProxyCases()
    {
        var cases = new TheoryData<string, Variant>();
        foreach (var s in Catalog.All.Where(s => s.Proxies.Contains("haproxy")))
        {
            foreach (var v in new[] { Variant.Broken, Variant.Fixed }) cases.Add(s.Id, v);
        }
        return cases;
    }

    [HAProxyTheory]
    [MemberData(nameof(OnHAProxyCases))]
    public Task Scenario_VariantOnHAProxy_MeetsItsExpectation(string id, Variant variant) => MetAsync(id, variant);

    [HAProxyFact]
    public async Task Run_ProxyHAProxy_TheJsonNamesTheProxyOfTheRun()
    {
        var json = Path.Combine(Path.GetTempPath(), $"hap-{Guid.NewGuid():N}.json");
        try
        {
            var (code, _, stderr) = await InProcessCli.RunAsync(["run", ScenarioIds.IngressTimeout, "--variant", "fixed", "--proxy", "haproxy", "--json", json]);

            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(json));
            // One run: one object (an array for several).
            Assert.Equal("haproxy", doc.RootElement.GetProperty("proxy").GetString());
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Fact]
    public async Task Run_AScenarioWithoutHAProxy_SaysSoInOneLineAndExits2()
    {
        var (code, stdout, stderr) = await InProcessCli.RunAsync(["run", ScenarioIds.IngressTimeout60s, "--proxy", "haproxy"]);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{ScenarioIds.IngressTimeout60s} does not run on haproxy (it runs on nginx)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownProxy_OneLineAndExit2()
    {
        var (code, _, stderr) = await InProcessCli.RunAsync(["run", ScenarioIds.IngressTimeout, "--proxy", "envoy"]);

        Assert.Equal(2, code);
        Assert.Contains("unknown proxy 'envoy'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_ProxyAll_AProxyScenarioOncePerProxyItRunsOnAndOthersOnce()
    {
        var request = Scenarios.Cli.Arguments.ParseRun([ScenarioIds.IngressTimeout, ScenarioIds.IngressTimeout60s, ScenarioIds.FinVsRst, "--proxy", "all", "--variant", "broken"], Catalog.All);

        var runs = request.Runs(_ => { });

        Assert.Equal(
            [(ScenarioIds.IngressTimeout, "nginx"), (ScenarioIds.IngressTimeout, "haproxy"), (ScenarioIds.IngressTimeout60s, "nginx"), (ScenarioIds.FinVsRst, "nginx")],
            runs.Select(r => (r.Scenario.Id, r.Settings.Proxy)));
    }

    /// <summary>HAProxy's own lines, as its runs here wrote them: explain names the scenario that produces each first.</summary>
    [Theory]
    [InlineData("127.0.0.1:55382 [07/Dec/2026:21:20:33.725] lab lab_upstream/upstream 0/0/0/-1/2003 504 198 - - sH-- 1/1/0/0/0 0/0 \"GET /export HTTP/1.1\"", ScenarioIds.IngressTimeout)]
    [InlineData("127.0.0.1:58866 [07/Dec/2026:21:45:40.213] lab lab_upstream/upstream 0/0/0/4449/4449 200 80552 - - CD-- 1/1/0/0/0 0/0 \"GET /report HTTP/1.1\"", ScenarioIds.ProxyClientAbort)]
    [InlineData("127.0.0.1:34216 [07/Dec/2026:21:50:17.509] lab lab_upstream/upstream 0/0/0/7/1009 200 9988 - - sD-- 1/1/0/0/0 0/0 \"GET /download HTTP/1.1\"", ScenarioIds.SlowUpstreamBody)]
    [InlineData("127.0.0.1:39292 [07/Dec/2026:21:51:27.425] lab lab_upstream/upstream 0/0/0/-1/3 502 209 - - SH-- 1/1/0/0/0 0/0 \"GET /items HTTP/1.1\"", ScenarioIds.UpstreamKeepaliveRace)]
    public void Explain_HAProxyLine_NamesItsScenarioFirst(string line, string id)
    {
        var ranked = Lab.Explain.Explainer.Explain(line, Catalog.All);

        Assert.NotEmpty(ranked);
        Assert.Equal(id, ranked[0].Scenario.Id);
    }
}
