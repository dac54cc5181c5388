using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Lab.Tests.Reports;

/// <summary>The results JSON read back for merge: what the contract carries comes back; what is not JSON is said.</summary>
public sealed class JsonResultsTests
{
    [Fact]
    public void Read_WhatWriteWrote_GivesBackTheRunsFieldsEventsAndChecks()
    {
        var runs = JsonResults.Read(JsonReport.Write([Run(Variant.Broken, Outcome.Met), Run(Variant.Fixed, Outcome.NotMet)]), "a.json");

        Assert.Equal(2, runs.Count);
        var broken = runs[0].Result;
        Assert.Equal(("fin-vs-rst", Variant.Broken, Outcome.Met, "send #2 fails with EPIPE"), (broken.Id, broken.Variant, broken.Outcome, broken.Expected));
        Assert.Equal(12.3, broken.Duration.TotalMilliseconds, 1);
        Assert.Equal((Side.Client, 1.5, "FIN"), (broken.FirstDisconnect!.Side, broken.FirstDisconnect.At.TotalMilliseconds, broken.FirstDisconnect.How));
        var send = broken.Events[1];
        Assert.Equal((Side.Server, EventKind.SendFailed, SocketFailure.BrokenPipe, 32), (send.Side, send.Kind, send.Failure, send.Errno));
        Assert.Equal(("raw-server", "send #2 failed"), (send.Actor, send.Detail));
        Assert.Null(broken.Events[2].Actor);
        Assert.Equal([new CheckResult("send #2 fails", true)], broken.Checks);
        Assert.Equal(Outcome.NotMet, runs[1].Result.Outcome);
    }

    [Fact]
    public void Read_OneRun_KeepsItsJsonAsWritten()
    {
        var text = JsonReport.Write([Run(Variant.Broken, Outcome.Met)]);

        var run = Assert.Single(JsonResults.Read(text, "a.json"));

        Assert.Equal(System.Text.Json.Nodes.JsonNode.Parse(text)!.ToJsonString(), run.Json.ToJsonString());
        Assert.Equal("\"fin-vs-rst\" \"broken\"", run.Key);
    }

    [Theory]
    [InlineData("not json", "a.json is not JSON")]
    [InlineData("42", "a.json holds no run")]
    [InlineData("[{\"variant\":\"broken\"}]", "a.json: run 1: no \"id\"")]
    [InlineData("{\"id\":\"x\",\"variant\":\"both\"}", "a.json: run 1: unknown variant 'both'")]
    [InlineData("{\"id\":\"x\",\"variant\":\"fixed\",\"outcome\":\"met\",\"events\":[{\"kind\":\"nope\"}]}", "a.json: run 1: unknown event kind 'nope'")]
    public void Read_NotAResultsFile_SaysWhereAndWhy(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => JsonResults.Read(text, "a.json"));

        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    private static ScenarioResult Run(Variant variant, Outcome outcome) => new(
        "fin-vs-rst",
        variant,
        "send #2 fails with EPIPE",
        outcome,
        TimeSpan.FromMilliseconds(12.34),
        TimeSpan.Zero,
        new FirstDisconnect(Side.Client, TimeSpan.FromMilliseconds(1.5), "FIN", "client"),
        [
            new LabEvent(TimeSpan.FromMilliseconds(1.5), Side.Client, EventKind.ClosedFin, null, null, "close(): FIN sent") { Actor = "client" },
            new LabEvent(TimeSpan.FromMilliseconds(2.25), Side.Server, EventKind.SendFailed, SocketFailure.BrokenPipe, 32, "send #2 failed") { Actor = "raw-server" },
            new LabEvent(TimeSpan.FromMilliseconds(3), Side.Server, EventKind.KestrelReset, SocketFailure.ConnectionReset, 104, "Connection id \"X\" reset."),
        ],
        [new CheckResult("send #2 fails", true)],
        null);
}
