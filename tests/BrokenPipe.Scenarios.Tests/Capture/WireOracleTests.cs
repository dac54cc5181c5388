using BrokenPipe.Lab.Capture;

namespace BrokenPipe.Scenarios.Tests.Capture;

/// <summary>
/// The packets as the oracle (issue 18), over a subset of the catalog that covers each kind of part: raw sockets,
/// Kestrel, nginx (whose clients close first after a complete response), the TCP middlebox and redis-server (a reader
/// thread's receive pending when its socket is closed too), side by side as the catalog runs them. The whole catalog is bench/oracle.sh's.
/// </summary>
[Collection(nameof(WireOracleTests))]
public sealed class WireOracleTests
{
    private static readonly string[] Subset =
    [
        ScenarioIds.FinVsRst,
        ScenarioIds.UnreadRequestBody,
        ScenarioIds.UpstreamKeepaliveRace,
        ScenarioIds.ResetMidBody,
        ScenarioIds.RedisIdleTimeout,
        ScenarioIds.RedisPubsubSlowSubscriber, // a reader thread's receive pending when the socket is closed
    ];

    [OracleFact]
    public async Task Subset_EveryRunWithACapture_TheTimelineAgreesWithThePackets()
    {
        var dir = Directory.CreateTempSubdirectory("brokenpipe-oracle-test-").FullName;
        try
        {
            var runs = Catalog.All.Where(s => Subset.Contains(s.Id)).SelectMany(s => new[] { Variant.Broken, Variant.Fixed }.Select(v => (s, v))).ToList();

            var results = await ScenarioBatch.RunAsync(runs, ScenarioBatch.DefaultParallelism, LabSettings.Default with { CaptureDirectory = dir });

            var verdicts = results.Select(WireOracle.Judge).ToList();
            Assert.Equal(Subset.Length * 2, verdicts.Count);
            Assert.True(verdicts.All(v => v.Outcome == OracleOutcome.Agree), string.Join(Environment.NewLine, verdicts.Select(v => v.Line)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [NeedsCaptureFact]
    public async Task RunWithoutAListenerOfItsOwn_CannotBeJudged_AndSaysWhy()
    {
        var dir = Directory.CreateTempSubdirectory("brokenpipe-oracle-test-").FullName;
        try
        {
            var sweep = Catalog.All.Single(s => s.Id == ScenarioIds.WriteThresholdSweep);

            var result = await ScenarioRunner.RunAsync(sweep, Variant.Fixed, settings: LabSettings.Default with { CaptureDirectory = dir });

            var verdict = WireOracle.Judge(result);
            Assert.Equal(OracleOutcome.CannotJudge, verdict.Outcome);
            Assert.Contains("scratch labs", verdict.Why);
            Assert.Empty(result.Capture!.Conversations); // not every other run's traffic on the machine
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
