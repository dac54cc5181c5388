using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Tests.Scenarios;

public sealed class ScenarioRunnerTests
{
    [Fact]
    public async Task RunAsync_ChecksHold_IsMetWithTheFinishedTimeline()
    {
        var scenario = Build(ExchangeAsync, [Expect.Event("the client reads the whole response", Side.Client, EventKind.ResponseCompleted), Expect.FirstDisconnect(Side.Server, "FIN")]);
        var seen = new List<LabEvent>();

        var result = await ScenarioRunner.RunAsync(scenario, Variant.Broken, seen.Add);

        Assert.Equal(Outcome.Met, result.Outcome);
        Assert.Null(result.Error);
        Assert.Equal(("test-scenario", Variant.Broken, "the broken expectation"), (result.Id, result.Variant, result.Expected));
        Assert.All(result.Checks, c => Assert.True(c.Met, c.Description));
        // The parts were stopped before the checks ran: their last events are in the result.
        Assert.Contains(result.Events, e => e.Kind == EventKind.PartStopped && e.Actor == "raw-server");
        Assert.Equal(result.Events, seen);
        Assert.Equal(Side.Server, result.FirstDisconnect?.Side);
        Assert.True(result.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task RunAsync_ACheckDoesNotHold_IsNotMet()
    {
        var scenario = Build(ExchangeAsync, [Expect.No("no response completes", e => e.Kind == EventKind.ResponseCompleted), Expect.Event("a send succeeds", Side.Server, EventKind.Sent)]);

        var result = await ScenarioRunner.RunAsync(scenario, Variant.Fixed);

        Assert.Equal(Outcome.NotMet, result.Outcome);
        Assert.Equal([false, true], result.Checks.Select(c => c.Met));
        Assert.Equal("the fixed expectation", result.Expected);
    }

    [Fact]
    public async Task RunAsync_ACheckThatThrowsInvalidOperation_IsNotMetRatherThanACrash()
    {
        var scenario = Build(ExchangeAsync, [Expect.That("the first RST", events => events.First(e => e.Kind == EventKind.ClosedRst).Side == Side.Client)]);

        var result = await ScenarioRunner.RunAsync(scenario, Variant.Broken);

        Assert.Equal(Outcome.NotMet, result.Outcome);
    }

    [Fact]
    public async Task RunAsync_ABoundedWaitRunsOut_IsAnErrorWithTheFirstLineOfTheTimeout()
    {
        var scenario = Build(
            (lab, ct) => lab.Timeline.WaitForAsync(EventKind.WriteIntoVoid, TimeSpan.FromMilliseconds(50), cancellationToken: ct),
            [Expect.That("always", _ => true)]);

        var result = await ScenarioRunner.RunAsync(scenario, Variant.Broken);

        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.NotNull(result.Error);
        Assert.StartsWith("Waited 0.05 s for write-into-void", result.Error);
        Assert.DoesNotContain(Environment.NewLine, result.Error);
        Assert.Contains(result.Events, e => e.Kind == EventKind.Note && e.Side == Side.Lab);
    }

    [Fact]
    public async Task RunAsync_TheBodyOutlivesTheScenarioTimeout_IsAnErrorAndThePartsAreStopped()
    {
        var scenario = Build(
            async (lab, ct) =>
            {
                await RawTcpServer.StartAsync(lab, cancellationToken: ct);
                await Task.Delay(Timeout.Infinite, ct);
            },
            [Expect.That("always", _ => true)]) with { Timeout = TimeSpan.FromMilliseconds(500) };

        var result = await ScenarioRunner.RunAsync(scenario, Variant.Broken);

        Assert.Equal(Outcome.Error, result.Outcome);
        Assert.Contains("did not finish", result.Error);
        Assert.Contains(result.Events, e => e.Kind == EventKind.PartStopped);
    }

    [Fact]
    public async Task RunAsync_TheCallerCancels_Throws()
    {
        var scenario = Build((_, ct) => Task.Delay(Timeout.Infinite, ct), [Expect.That("always", _ => true)]);
        using var cts = new CancellationTokenSource();
        var run = ScenarioRunner.RunAsync(scenario, Variant.Broken, cancellationToken: cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    /// <summary>A raw server answers a raw client that reads to the end: the server closes first, with a FIN.</summary>
    private static async Task ExchangeAsync(LabSandbox lab, CancellationToken ct)
    {
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { ResponseBytes = 1000 }, ct);
        await RawHttpClient.RunAsync(lab, server.Endpoint, cancellationToken: ct);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, "raw-server", ct);
    }

    private static Scenario Build(Func<LabSandbox, CancellationToken, Task> body, IReadOnlyList<Check> checks) => new(
        "test-scenario",
        "test",
        "a scenario built by the test",
        "none",
        new Story("wire", "why", "diagnose", "fix"),
        new ScenarioVariant("the broken expectation", TimeSpan.Zero, body, checks),
        new ScenarioVariant("the fixed expectation", TimeSpan.Zero, body, checks));
}
