using System.Diagnostics;
using BrokenPipe.Lab.Runtimes;
using System.Globalization;

namespace BenchSoak;

/// <summary>
/// N scenario runs (default 1,000), mixed across the quick catalog and both variants in a shuffled order, at most P
/// at a time, each in its own lab; then what is left behind (<see cref="HostState.Leaks"/>), the host's memory slope,
/// the run rate and the reproduction rate per scenario × variant.
/// </summary>
internal static class Soak
{
    /// <summary>Where the narration of every run that was not met goes.</summary>
    public static readonly string FailureDir = Path.Combine(Path.GetTempPath(), "brokenpipe-soak-misses");

    public static async Task<int> RunAsync(int runs, int parallel, bool docker, CancellationToken cancellationToken)
    {
        var local = LabSettings.FromEnvironment() with { Runtime = LocalRuntime.Instance };
        List<(Scenario Scenario, Variant Variant, LabSettings Settings, string Runtime)> pairs =
            [.. Catalog.Fast.Where(s => s.UnavailableHere is null).SelectMany(s => new[] { Variant.Broken, Variant.Fixed }.Select(v => (s, v, local, "local")))];
        if (docker)
        {
            // The nginx and Redis scenarios once more on the docker runtime (host network, the images of the environment
            // or of `images build`): the runs the docker runtime changes.
            if (DockerEngine.Unavailable is { } why) throw new InvalidOperationException($"--docker: {why}");
            var settings = LabSettings.FromEnvironment() with { Runtime = DockerRuntime.HostNetwork };
            if (!settings.Images.ContainsKey("nginx") || !settings.Images.ContainsKey("redis")) throw new InvalidOperationException("--docker: set BROKENPIPE_LAB_NGINX_IMAGE and BROKENPIPE_LAB_REDIS_IMAGE (images build prints them)");
            pairs.AddRange(Catalog.Fast.Where(s => s.UnavailableHere is null && !s.NeedsDocker && !s.NeedsRoot && (s.Area is "proxy" or "redis" || s.Id.StartsWith("redis-", StringComparison.Ordinal)))
                .SelectMany(s => new[] { Variant.Broken, Variant.Fixed }.Select(v => (s, v, settings, "docker"))));
        }
        var random = new Random(13);
        List<(Scenario Scenario, Variant Variant, LabSettings Settings, string Runtime)> plan = [.. Enumerable.Range(0, runs).Select(i => pairs[i % pairs.Count]).OrderBy(_ => random.Next())];

        // A warm-up pass of every pair first, so that what a process opens once (assemblies mapped on first use, the
        // spawner thread, the socket engine, loggers, the thread pool, the docker client) exists before the baseline.
        Console.Error.WriteLine($"warm-up: the {pairs.Count} runs of the plan once each, side by side");
        await RunPlanAsync(pairs, parallel, (_, _) => { }, cancellationToken);
        Settle();
        var before = HostState.Read(Environment.ProcessId);
        var fdsBefore = HostState.FdKinds();
        var memory = new List<(int Done, double HeapMb, double RssMb)>();
        var done = 0;
        var clock = Stopwatch.StartNew();
        // Only a summary of each run is kept (not its timeline), so the host's memory shows what the lab keeps.
        var results = new List<(string Id, Variant Variant, string Runtime, Outcome Outcome, TimeSpan Duration)>();
        var report = new Lock();
        await RunPlanAsync(plan, parallel, (run, r) =>
        {
            var failed = r.Outcome == Outcome.Met ? null : r.Error ?? string.Join("; ", r.Checks.Where(c => !c.Met).Select(c => c.Description));
            lock (report)
            {
                results.Add((r.Id, r.Variant, run.Runtime, r.Outcome, r.Duration));
                done++;
                if (failed is not null)
                {
                    Console.Error.WriteLine($"  run {done}: {r.Id} {r.Variant} ({run.Runtime}): {r.Outcome} {failed}");
                    // The whole narration (timeline, checks) of every miss, for whoever looks into it.
                    Directory.CreateDirectory(FailureDir);
                    File.WriteAllText(Path.Combine(FailureDir, $"{done}-{r.Id}-{r.Variant.ToString().ToLowerInvariant()}-{run.Runtime}.txt"), BrokenPipe.Lab.Reports.TextReport.Narrate(run.Scenario, r));
                }
                if (done % 50 == 0)
                {
                    memory.Add((done, HeapAfterFullCollection() / 1048576.0, HostState.RssKilobytes() / 1024.0));
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{done}/{runs}] {clock.Elapsed.TotalSeconds:0} s, heap after a full GC {memory[^1].HeapMb:0.0} MB, rss {memory[^1].RssMb:0.0} MB"));
                }
            }
        }, cancellationToken);
        var wall = clock.Elapsed;
        Settle();
        var after = HostState.Read(Environment.ProcessId);

        if (results.Any(r => r.Outcome != Outcome.Met)) Console.WriteLine($"narrations of the misses: {FailureDir}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"soak: {runs} runs, up to {parallel} at a time, in {wall.TotalSeconds:0.0} s: {runs / wall.TotalMinutes:0.0} runs/min; {results.Count(r => r.Outcome == Outcome.Met)}/{runs} met"));
        Console.WriteLine();
        Console.WriteLine("| scenario | variant | runtime | runs | met | reproduction | median s |");
        Console.WriteLine("|---|---|---|--:|--:|--:|--:|");
        foreach (var g in results.GroupBy(r => (r.Id, r.Variant, r.Runtime)).OrderBy(g => pairs.FindIndex(p => p.Scenario.Id == g.Key.Id && p.Variant == g.Key.Variant && p.Runtime == g.Key.Runtime)))
        {
            var met = g.Count(r => r.Outcome == Outcome.Met);
            var median = g.Select(r => r.Duration.TotalSeconds).Order().ElementAt(g.Count() / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {g.Key.Id} | {g.Key.Variant.ToString().ToLowerInvariant()} | {g.Key.Runtime} | {g.Count()} | {met} | {100.0 * met / g.Count():0.0} % | {median:0.00} |"));
        }
        Console.WriteLine();
        // The slope over the second half (the first includes the pool's and the JIT's growth), in MB per 100 runs.
        var half = memory.Skip(memory.Count / 2).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory (sampled every 50 runs, second half): managed heap (after a full GC) slope {Slope(half, m => m.HeapMb):+0.00;-0.00} MB/100 runs, RSS slope {Slope(half, m => m.RssMb):+0.00;-0.00} MB/100 runs; RSS {before.RssKb / 1024.0:0.0} MB before, {after.RssKb / 1024.0:0.0} MB after"));
        Console.WriteLine($"samples (runs: heap MB / RSS MB): {string.Join(", ", memory.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Done}: {m.HeapMb:0}/{m.RssMb:0}")))}");
        var fdsAfter = HostState.FdKinds();
        var fdChanges = fdsAfter.Keys.Union(fdsBefore.Keys).Where(k => fdsAfter.GetValueOrDefault(k) != fdsBefore.GetValueOrDefault(k)).Select(k => $"{k} {fdsBefore.GetValueOrDefault(k)} → {fdsAfter.GetValueOrDefault(k)}");
        Console.WriteLine($"fds other than mapped assemblies: {before.Fds} before, {after.Fds} after; all fds by kind, changed: {string.Join(", ", fdChanges.DefaultIfEmpty("none"))}");
        var leaks = HostState.Leaks(before, after);
        Console.WriteLine(leaks.Count == 0 ? "left behind: nothing (processes, temp dirs, namespaces, veth pairs, host nft tables, containers, listening sockets, fds)" : $"LEFT BEHIND: {string.Join("; ", leaks)}");
        return leaks.Count == 0 && results.All(r => r.Outcome == Outcome.Met) ? 0 : 1;
    }

    /// <summary>Runs every item of <paramref name="plan"/>, at most <paramref name="parallel"/> at a time, each in its own lab.</summary>
    private static async Task RunPlanAsync(
        IReadOnlyList<(Scenario Scenario, Variant Variant, LabSettings Settings, string Runtime)> plan,
        int parallel,
        Action<(Scenario Scenario, Variant Variant, LabSettings Settings, string Runtime), ScenarioResult> finished,
        CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(parallel);
        await Task.WhenAll(plan.Select(async run =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                finished(run, await ScenarioRunner.RunAsync(run.Scenario, run.Variant, settings: run.Settings, cancellationToken: cancellationToken));
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>
    /// The managed heap's size after a full, blocking collection. GC.GetTotalMemory(true) read below zero in a few samples
    /// of a soak with 16 runs allocating beside it; the GC's own record of the collection does not.
    /// </summary>
    private static long HeapAfterFullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
        return GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes;
    }

    /// <summary>Lets finalizers close what the runs dropped, so the fd count and the heap are comparable.</summary>
    public static void Settle()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(200);
        }
    }

    private static double Slope<T>(List<T> points, Func<T, double> y)
    {
        if (points.Count < 2) return double.NaN;
        var xs = Enumerable.Range(0, points.Count).Select(i => i * 50.0 / 100).ToList();
        var ys = points.Select(y).ToList();
        double mx = xs.Average(), my = ys.Average();
        return xs.Zip(ys).Sum(p => (p.First - mx) * (p.Second - my)) / xs.Sum(x => (x - mx) * (x - mx));
    }
}
