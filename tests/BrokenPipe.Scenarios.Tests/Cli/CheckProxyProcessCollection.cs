namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>
/// The check-proxy process tests time how fast a signal stops a whole CLI process (nginx copies, upstreams, run dirs):
/// they run alone, after the parallel tests, so that the suite's own load does not decide the figure (3.1 s was seen
/// for SIGTERM while the scenario tests ran beside it; 0.1–0.35 s alone).
/// </summary>
[CollectionDefinition(nameof(CheckProxyProcessTests), DisableParallelization = true)]
public sealed class CheckProxyProcessCollection;
