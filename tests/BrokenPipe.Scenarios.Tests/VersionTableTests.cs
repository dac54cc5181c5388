namespace BrokenPipe.Scenarios.Tests;

/// <summary>The version table's cells from measured facts (pure rendering: no run).</summary>
public sealed class VersionTableTests
{
    private static readonly VersionTable.Row Crash = VersionTable.Rows.Single(r => r.ScenarioId == ScenarioIds.RedisCrashRestart);
    private static readonly VersionTable.Row Drop = VersionTable.Rows.Single(r => r.ScenarioId == ScenarioIds.RedisIdleDrop);

    [Fact]
    public void Cell_TwoRuns_GivesRangesOfTimesAndCounts()
    {
        var cell = VersionTable.Cell(Crash, [Facts(failedMs: 24, failed: 26, restoredMs: 308), Facts(failedMs: 26, failed: 28, restoredMs: 755)]);

        Assert.Equal("ConnectionFailed SocketClosed after 24–26 ms; 26–28 of 30 commands failed (26–28 at once); restored 308–755 ms after Redis was back", cell);
    }

    [Fact]
    public void Cell_NeverRestored_SaysHowLongTheRunWatched()
    {
        var cell = VersionTable.Cell(Drop, [new VersionTable.Facts(null, null, null, null, null, 9, 9, 0, 9, null, "(no ConnectionFailed)")]);

        Assert.Equal("no ConnectionFailed; 9 of 9 commands failed (9 timed out); not restored within 9 s", cell);
    }

    [Fact]
    public void Rows_AreTheSixFailuresAndOneFix_EachAScenarioOfTheCatalog()
    {
        Assert.Equal(7, VersionTable.Rows.Count);
        Assert.All(VersionTable.Rows, r => Assert.NotNull(Catalog.Find(r.ScenarioId)));
        Assert.Equal(6, VersionTable.Rows.Count(r => r.Variant == Variant.Broken));
    }

    private static VersionTable.Facts Facts(double failedMs, int failed, double restoredMs) =>
        new("SocketClosed", failedMs, null, null, null, failed, 30, failed, 0, restoredMs, "after Redis was back");
}
