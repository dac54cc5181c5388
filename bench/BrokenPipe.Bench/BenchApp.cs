using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;
using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Bench;

/// <summary>
/// The benchmark: Kestrel's start-to-ready first (so that its first start is really cold), nginx's, then every
/// scenario × variant N times, one run after the other — or, with <c>--keepalive-race N</c>, only the measured
/// keep-alive race (<see cref="KeepaliveRace"/>). Results go to stdout (and a markdown file), progress to stderr.
/// Exit codes: 0 every target met (race: it ran), 1 a target missed (race: an error), 2 bad input (one line on stderr), 130 canceled.
/// </summary>
public sealed class BenchApp(TextWriter stdout, TextWriter stderr, IReadOnlyList<Scenario> catalog)
{
    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args, catalog);
            if (!options.Help) CheckOutFile(options.OutFile);
        }
        catch (BenchUsageException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        if (options.Help)
        {
            await stdout.WriteLineAsync(BenchOptions.Usage);
            return 0;
        }

        var progress = new Progress(stderr, live: !Console.IsErrorRedirected);
        if (options.KeepaliveRace is { } trials) return await RunRaceAsync(trials, options.OutFile, args, progress, cancellationToken);
        try
        {
            // Kestrel first, so that its first start is really cold in this process.
            var kestrel = await MeasureStartsAsync(Targets.Kestrel, StartKestrelAsync, progress, cancellationToken);
            var nginx = await MeasureStartsAsync(Targets.Nginx, StartNginxAsync, progress, cancellationToken);
            var rows = new List<ScenarioRow>();
            var pairs = options.Scenarios.SelectMany(s => options.Variants.Select(v => (Scenario: s, Variant: v))).ToList();
            for (var i = 0; i < pairs.Count; i++)
            {
                rows.Add(await MeasureScenarioAsync(pairs[i].Scenario, pairs[i].Variant, options, $"[{i + 1}/{pairs.Count}]", progress, cancellationToken));
            }

            var report = new Report(options.Runs, rows, [kestrel, nginx], CommandLine(args));
            await stdout.WriteAsync(report.Text());
            if (options.OutFile is not null)
            {
                await File.WriteAllTextAsync(options.OutFile, report.Markdown(), CancellationToken.None);
                await stderr.WriteLineAsync($"wrote {options.OutFile}");
            }
            return report.AllTargetsMet ? 0 : 1;
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            progress.Break();
            await stderr.WriteLineAsync("canceled: every part started so far has been stopped; no results written");
            return 130;
        }
    }

    /// <summary>
    /// <c>--keepalive-race N</c>: only the measured keep-alive race. A low hit rate is a result, not a failure: the exit
    /// code is 0 when it ran, 1 when the lab could not be set up or a trial ended in an error, 130 when canceled.
    /// </summary>
    private async Task<int> RunRaceAsync(int trials, string? outFile, string[] args, Progress progress, CancellationToken cancellationToken)
    {
        RaceResult result;
        try
        {
            result = await KeepaliveRace.RunAsync(trials, progress, cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            progress.Break();
            await stderr.WriteLineAsync("canceled: every part started so far has been stopped; no results written");
            return 130;
        }
        catch (Exception e)
        {
            progress.Break();
            await stderr.WriteLineAsync($"error: the keep-alive race could not run: {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}");
            return 1;
        }
        var report = new RaceReport(result, CommandLine(args));
        await stdout.WriteAsync(report.Text());
        if (outFile is not null)
        {
            await File.WriteAllTextAsync(outFile, report.Markdown(), CancellationToken.None);
            await stderr.WriteLineAsync($"wrote {outFile}");
        }
        return result.Failed ? 1 : 0;
    }

    /// <summary>
    /// A part's start-to-ready: <see cref="StartTarget.Starts"/> starts, one after the other, each in a fresh lab that is
    /// disposed (stopping the part) before the next one. The figure is the part's own startup time.
    /// </summary>
    private static async Task<PartStarts> MeasureStartsAsync(
        StartTarget target,
        Func<LabSandbox, CancellationToken, Task<(TimeSpan StartupTime, IPEndPoint Endpoint)>> start,
        Progress progress,
        CancellationToken cancellationToken)
    {
        var label = $"[{target.Part.ToLowerInvariant()}]";
        var starts = new List<double>();
        string? firstError = null;
        for (var i = 0; i < target.Starts; i++)
        {
            progress.Update(label, "start-to-ready", i, target.Starts);
            try
            {
                await using var lab = new LabSandbox($"bench-{target.Part.ToLowerInvariant()}-{i + 1}");
                var (startup, endpoint) = await start(lab, cancellationToken);
                // Not timed: proves the port accepts, so the figure is a start to a server that is really ready.
                using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
                {
                    await probe.ConnectAsync(endpoint, cancellationToken);
                }
                starts.Add(startup.TotalMilliseconds);
                // Disposing the lab stops the part: the next start is in a fresh lab, as a scenario's would be.
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                firstError ??= $"start {i + 1}: {e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}";
            }
        }
        var result = new PartStarts(target, starts, firstError);
        progress.Done(label, "start-to-ready", target.Starts,
            $"cold {Format.Ms(result.ColdMs)} ms, {target.MedianName} {Format.Ms(result.MedianMs)} ms{(firstError is null ? "" : $", {target.Starts - starts.Count} failed")}");
        return result;
    }

    /// <summary>A trivial Kestrel (a handler that does nothing): the figure is from the call to start until the port accepts.</summary>
    private static async Task<(TimeSpan, IPEndPoint)> StartKestrelAsync(LabSandbox lab, CancellationToken cancellationToken)
    {
        var server = await KestrelServer.StartAsync(lab, _ => Task.CompletedTask, new KestrelOptions { Name = "bench-kestrel" }, cancellationToken);
        return (server.StartupTime, server.Endpoint);
    }

    /// <summary>
    /// nginx in front of a trivial raw server (never called: nothing is proxied): the figure is from starting the nginx
    /// process until its port accepts; rendering the config and <c>nginx -t</c> before it are not included.
    /// </summary>
    private static async Task<(TimeSpan, IPEndPoint)> StartNginxAsync(LabSandbox lab, CancellationToken cancellationToken)
    {
        var upstream = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "bench-upstream" }, cancellationToken);
        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint, new NginxOptions { Name = "bench-nginx" }, cancellationToken);
        return (proxy.StartupTime, proxy.Endpoint);
    }

    private static async Task<ScenarioRow> MeasureScenarioAsync(
        Scenario scenario,
        Variant variant,
        BenchOptions options,
        string label,
        Progress progress,
        CancellationToken cancellationToken)
    {
        var (runs, settings) = (options.Runs, options.Settings);
        var name = $"{scenario.Id}/{variant.ToString().ToLowerInvariant()}";
        var results = new List<ScenarioResult>(runs);
        for (var i = 0; i < runs; i++)
        {
            progress.Update(label, name, i, runs, results.Count == 0 ? null : $"{results.Count(r => r.Outcome == Outcome.Met)} met, last {Format.Ms(results[^1].Duration.TotalMilliseconds)} ms");
            // Bounded by the scenario's own timeout inside the runner; the token is the overall Ctrl+C.
            var result = await ScenarioRunner.RunAsync(scenario, variant, onEvent: null, settings: settings, cancellationToken: cancellationToken);
            results.Add(result);
            // A miss is worth its whole timeline: BROKENPIPE_BENCH_MISSES=DIR keeps each one as the CLI's JSON.
            if (result.Outcome != Outcome.Met && Environment.GetEnvironmentVariable("BROKENPIPE_BENCH_MISSES") is { Length: > 0 } misses)
            {
                Directory.CreateDirectory(misses);
                await File.WriteAllTextAsync(Path.Combine(misses, $"{scenario.Id}-{JsonReport.VariantName(variant)}-run{i + 1}.json"), JsonReport.Write([result]), cancellationToken);
            }
        }
        var row = ScenarioRow.From(scenario, variant, results);
        progress.Done(label, name, runs, $"{row.Met}/{row.Runs} met, median {Format.Ms(row.MedianMs)} ms");
        return row;
    }

    private static void CheckOutFile(string? path)
    {
        if (path is null) return;
        if (path == "-") throw new BenchUsageException("--out needs a file name (the table is on stdout already)");
        if (Directory.Exists(path)) throw new BenchUsageException($"--out '{path}' is a directory");
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new BenchUsageException($"--out '{path}': directory '{dir}' does not exist");
    }

    private static string CommandLine(string[] args) =>
        string.Join(' ', new[] { "bash", "bench/run.sh" }.Concat(args.Select(a => a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "-_.,/=:".Contains(c)) ? a : $"'{a.Replace("'", "'\\''")}'")));
}

/// <summary>
/// One progress line per step on stderr. On a terminal the line is redrawn in place with a counter; when stderr is
/// redirected only the finished line is written, so logs stay short.
/// </summary>
internal sealed class Progress(TextWriter stderr, bool live)
{
    private bool _open;

    public void Update(string label, string name, int done, int total, string? detail = null)
    {
        if (!live) return;
        stderr.Write($"\r{label} {name}  {done}/{total}{(detail is null ? "" : $"  ({detail})")}\u001b[K");
        stderr.Flush();
        _open = true;
    }

    public void Done(string label, string name, int total, string detail)
    {
        var line = $"{label} {name}  {total}/{total}  {detail}";
        stderr.WriteLine(live ? $"\r{line}\u001b[K" : line);
        _open = false;
    }

    /// <summary>Ends a line left open by <see cref="Update"/> (before a message such as "canceled").</summary>
    public void Break()
    {
        if (_open) stderr.WriteLine();
        _open = false;
    }
}
