namespace BrokenPipe.Lab.Scenarios;

/// <summary>
/// Runs many scenario variants side by side, each in its own <see cref="LabSandbox"/> (its own temp dir, ports from
/// the kernel, its own timeline), at most <c>parallel</c> at a time. The longest declared waits start first, so the
/// batch is about as long as its longest run; a scenario with <see cref="Scenario.RunsAlone"/> runs after the others,
/// by itself. The results come back in the order asked for, whatever order the runs finished in.
/// </summary>
public static class ScenarioBatch
{
    /// <summary>
    /// How many runs share this machine by default (<c>run --all</c>, the bare catalog): measured on 2 CPUs, where
    /// the catalog's runs mostly wait on timers (see bench/results.md, "Side by side").
    /// </summary>
    public const int DefaultParallelism = 8;

    /// <summary>Runs every (scenario, variant) pair; <paramref name="onFinished"/> is called (serialized) as each run ends, with its index in <paramref name="runs"/>.</summary>
    public static Task<IReadOnlyList<ScenarioResult>> RunAsync(
        IReadOnlyList<(Scenario Scenario, Variant Variant)> runs,
        int parallel,
        LabSettings? settings = null,
        Action<int, ScenarioResult>? onFinished = null,
        CancellationToken cancellationToken = default) =>
        RunAsync([.. runs.Select(r => (r.Scenario, r.Variant, settings ?? LabSettings.Default))], parallel, onFinished, cancellationToken);

    /// <summary>Runs every (scenario, variant, settings) triple: each run with its own settings (<c>--proxy all</c>: one run per proxy).</summary>
    public static async Task<IReadOnlyList<ScenarioResult>> RunAsync(
        IReadOnlyList<(Scenario Scenario, Variant Variant, LabSettings Settings)> runs,
        int parallel,
        Action<int, ScenarioResult>? onFinished = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        var results = new ScenarioResult[runs.Count];
        var report = new Lock();
        var indices = Enumerable.Range(0, runs.Count).ToList();
        var shared = indices.Where(i => runs[i].Scenario.RunsAlone is null)
            .OrderByDescending(i => runs[i].Scenario[runs[i].Variant].InherentWait)
            .ToList();
        var alone = indices.Where(i => runs[i].Scenario.RunsAlone is not null).ToList();

        async Task RunOne(int i)
        {
            var result = await ScenarioRunner.RunAsync(runs[i].Scenario, runs[i].Variant, settings: runs[i].Settings, cancellationToken: cancellationToken).ConfigureAwait(false);
            results[i] = result;
            lock (report) onFinished?.Invoke(i, result);
        }

        var next = -1;
        async Task Worker()
        {
            int k;
            while ((k = Interlocked.Increment(ref next)) < shared.Count)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await RunOne(shared[k]).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(parallel, Math.Max(shared.Count, 1))).Select(_ => Task.Run(Worker, CancellationToken.None))).ConfigureAwait(false);
        foreach (var i in alone)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await RunOne(i).ConfigureAwait(false);
        }
        return results;
    }
}
