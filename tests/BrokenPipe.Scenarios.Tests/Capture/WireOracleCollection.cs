namespace BrokenPipe.Scenarios.Tests.Capture;

/// <summary>
/// The oracle's test runs alone: it judges the timeline's close events against the packets within 1 s, and beside the
/// whole suite on 2 CPUs nginx's and Redis's log lines were read more than a second late (4 misses in 6 rounds of
/// bench/flakes.sh, 2026-12-07). bench/oracle.sh judges the whole catalog, 8 runs side by side, as the catalog runs.
/// </summary>
[CollectionDefinition(nameof(WireOracleTests), DisableParallelization = true)]
public sealed class WireOracleCollection;
