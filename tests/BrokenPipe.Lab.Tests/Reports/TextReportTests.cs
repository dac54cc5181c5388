using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Lab.Tests.Reports;

public sealed class TextReportTests
{
    [Fact]
    public void Describe_NoDisconnect_SaysNobodyClosed()
    {
        Assert.Equal("nobody closed a connection", TextReport.Describe(null));
    }

    [Fact]
    public void Describe_ClientFin_NamesSideActorTimeAndHow()
    {
        var text = TextReport.Describe(new FirstDisconnect(Side.Client, TimeSpan.FromMilliseconds(12.34), "FIN", "client"));

        Assert.Equal("the client [client] at 12.3 ms, with a FIN", text);
    }

    [Fact]
    public void Narrate_BrokenRun_ShowsTimelineChecksVerdictWhyAndFix()
    {
        var scenario = new Scenario(
            "demo",
            "http",
            "A demo",
            "seed",
            new Story("wire", "because of reasons", "diagnose", "do the fix"),
            new ScenarioVariant("it breaks", TimeSpan.Zero, (_, _) => Task.CompletedTask, []),
            new ScenarioVariant("it works", TimeSpan.Zero, (_, _) => Task.CompletedTask, []));
        var result = new ScenarioResult(
            "demo",
            Variant.Broken,
            "it breaks",
            Outcome.NotMet,
            TimeSpan.FromMilliseconds(40),
            TimeSpan.Zero,
            null,
            [new LabEvent(TimeSpan.FromMilliseconds(1), Side.Server, EventKind.Sent, null, null, "send #1") { Actor = "server" }],
            [new CheckResult("send #2 fails", false), new CheckResult("send #1 succeeds", true)],
            null);

        var text = TextReport.Narrate(scenario, result);

        Assert.Contains("== demo [broken] — A demo", text);
        Assert.Contains("expected: it breaks", text);
        Assert.Contains("[server]  send #1", text);
        Assert.Contains("first disconnect: nobody closed a connection", text);
        Assert.Contains("FAIL send #2 fails", text);
        Assert.Contains("ok   send #1 succeeds", text);
        Assert.Contains("verdict: NOT MET", text);
        Assert.Contains("why: because of reasons", text);
        Assert.Contains("fix: do the fix", text);
    }

    [Fact]
    public void Table_TwoRuns_CountsTheMetOnes()
    {
        ScenarioResult Run(Variant v, Outcome o) => new("demo", v, "x", o, TimeSpan.FromSeconds(1), TimeSpan.Zero, null, [], [], null);

        var table = TextReport.Table([Run(Variant.Broken, Outcome.Met), Run(Variant.Fixed, Outcome.Error)]);

        Assert.Contains("1 of 2 runs met their expectation.", table);
        Assert.Contains("ERROR", table);
    }
}
