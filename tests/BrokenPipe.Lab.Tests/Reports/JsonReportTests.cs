using System.Text.Json;
using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Lab.Tests.Reports;

public sealed class JsonReportTests
{
    [Fact]
    public void Write_OneResult_IsOneObjectWithExactlyTheContractKeys()
    {
        using var doc = JsonDocument.Parse(JsonReport.Write([Broken()]));
        var run = doc.RootElement;

        Assert.Equal(JsonValueKind.Object, run.ValueKind);
        Assert.Equal(["id", "variant", "expected", "outcome", "durationMs", "upstream", "firstDisconnect", "events", "checks", "error"], Keys(run));
        Assert.Equal("fin-vs-rst", run.GetProperty("id").GetString());
        Assert.Equal("broken", run.GetProperty("variant").GetString());
        Assert.Equal("send #2 fails with EPIPE", run.GetProperty("expected").GetString());
        Assert.Equal("met", run.GetProperty("outcome").GetString());
        Assert.Equal(12.3, run.GetProperty("durationMs").GetDouble());
    }

    [Fact]
    public void Write_FirstDisconnect_HasSideAtMsAndHow()
    {
        using var doc = JsonDocument.Parse(JsonReport.Write([Broken()]));
        var first = doc.RootElement.GetProperty("firstDisconnect");

        Assert.Equal(["side", "atMs", "how"], Keys(first));
        Assert.Equal("client", first.GetProperty("side").GetString());
        Assert.Equal(1.5, first.GetProperty("atMs").GetDouble());
        Assert.Equal("FIN", first.GetProperty("how").GetString());
    }

    [Fact]
    public void Write_NoFirstDisconnect_IsNull()
    {
        using var doc = JsonDocument.Parse(JsonReport.Write([Broken() with { FirstDisconnect = null }]));

        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("firstDisconnect").ValueKind);
    }

    [Fact]
    public void Write_Events_HaveExactlyTheContractKeysWithKebabCaseNamesAndNulls()
    {
        using var doc = JsonDocument.Parse(JsonReport.Write([Broken()]));
        var events = doc.RootElement.GetProperty("events").EnumerateArray().ToList();

        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal(["atMs", "side", "kind", "failure", "errno", "detail"], Keys(e)));

        Assert.Equal(1.5, events[0].GetProperty("atMs").GetDouble());
        Assert.Equal("client", events[0].GetProperty("side").GetString());
        Assert.Equal("closed-fin", events[0].GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, events[0].GetProperty("failure").ValueKind);
        Assert.Equal(JsonValueKind.Null, events[0].GetProperty("errno").ValueKind);
        Assert.Equal("[client] close(): FIN sent", events[0].GetProperty("detail").GetString());

        Assert.Equal("server", events[1].GetProperty("side").GetString());
        Assert.Equal("send-failed", events[1].GetProperty("kind").GetString());
        Assert.Equal("broken-pipe", events[1].GetProperty("failure").GetString());
        Assert.Equal(32, events[1].GetProperty("errno").GetInt32());

        Assert.Equal("kestrel-reset", events[2].GetProperty("kind").GetString());
        Assert.Equal("connection-reset", events[2].GetProperty("failure").GetString());
        Assert.Equal(104, events[2].GetProperty("errno").GetInt32());
        Assert.Equal("Connection id \"X\" reset.", events[2].GetProperty("detail").GetString()); // no actor, no prefix
    }

    [Fact]
    public void Write_TwoResults_IsAnArrayOfTwoObjects()
    {
        using var doc = JsonDocument.Parse(JsonReport.Write([Broken(), Fixed()]));
        var root = doc.RootElement;

        Assert.Equal(JsonValueKind.Array, root.ValueKind);
        var runs = root.EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.Equal(["id", "variant", "expected", "outcome", "durationMs", "upstream", "firstDisconnect", "events", "checks", "error"], Keys(r)));
        Assert.Equal(["broken", "fixed"], runs.Select(r => r.GetProperty("variant").GetString()));
        Assert.Equal("not-met", runs[1].GetProperty("outcome").GetString());
        Assert.Empty(runs[1].GetProperty("events").EnumerateArray());
    }

    [Fact]
    public void Write_NoResult_IsAnEmptyArray()
    {
        using var doc = JsonDocument.Parse(JsonReport.Write([]));

        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
        Assert.Equal(0, doc.RootElement.GetArrayLength());
    }

    [Theory]
    [InlineData(Outcome.Met, "met")]
    [InlineData(Outcome.NotMet, "not-met")]
    [InlineData(Outcome.Error, "error")]
    public void OutcomeName_EveryOutcome_IsKebabCase(Outcome outcome, string expected)
    {
        Assert.Equal(expected, JsonReport.OutcomeName(outcome));
    }

    [Fact]
    public void Write_AnyFailure_IsSpelledInKebabCase()
    {
        var events = Enum.GetValues<SocketFailure>()
            .Select((f, i) => new LabEvent(TimeSpan.FromMilliseconds(i), Side.Server, EventKind.Note, f, null, ""))
            .ToList();

        using var doc = JsonDocument.Parse(JsonReport.Write([Broken() with { Events = events }]));

        var names = doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("failure").GetString());
        Assert.Equal(["broken-pipe", "connection-reset", "timed-out", "end-of-stream", "refused", "canceled"], names);
    }

    private static ScenarioResult Broken() => new(
        "fin-vs-rst",
        Variant.Broken,
        "send #2 fails with EPIPE",
        Outcome.Met,
        TimeSpan.FromMilliseconds(12.34),
        TimeSpan.Zero,
        new FirstDisconnect(Side.Client, TimeSpan.FromMilliseconds(1.5), "FIN", "client"),
        [
            new LabEvent(TimeSpan.FromMilliseconds(1.5), Side.Client, EventKind.ClosedFin, null, null, "close(): FIN sent") { Actor = "client" },
            new LabEvent(TimeSpan.FromMilliseconds(2.25), Side.Server, EventKind.SendFailed, SocketFailure.BrokenPipe, 32, "send #2 failed") { Actor = "raw-server", Index = 2 },
            new LabEvent(TimeSpan.FromMilliseconds(3), Side.Server, EventKind.KestrelReset, SocketFailure.ConnectionReset, 104, "Connection id \"X\" reset."),
        ],
        [new CheckResult("send #2 fails", true)],
        null);

    private static ScenarioResult Fixed() => new(
        "fin-vs-rst",
        Variant.Fixed,
        "every send succeeds",
        Outcome.NotMet,
        TimeSpan.FromMilliseconds(5),
        TimeSpan.Zero,
        null,
        [],
        [new CheckResult("no send fails", false)],
        null);

    private static List<string> Keys(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name)];
}
