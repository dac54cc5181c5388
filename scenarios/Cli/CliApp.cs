using System.Globalization;
using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// The command line. Exit codes: 0 when every run met its expectation, 1 when one did not, 2 for unusable input
/// (one line on stderr).
/// </summary>
/// <param name="terminal">A terminal for the catalog's progress bar and results table, or null for plain lines (redirected output, CI).</param>
public sealed class CliApp(TextWriter stdout, TextWriter stderr, IReadOnlyList<Scenario> catalog, Spectre.Console.IAnsiConsole? terminal = null)
{
    public const string Usage = """
        brokenpipe-lab: reproduces broken pipes and connection resets with real sockets, Kestrel and proxies.

        usage: dotnet run --project scenarios -- [command]
          (no command)               run the quick catalog, both variants, side by side, and print a results table
                                     [--html FILE] [--pcap DIR] [--redis-client NAME[,NAME…]|all] [--seredis VERSION|all] [--parallel N]
          list                       one line per scenario: id, area, title
          describe <id>              the story: what happens on the wire, why, how to diagnose it, the fix
          run <id>... [options]      run scenarios and narrate each run
          run --all [options]        run the quick catalog (add --include-slow for the slow ones)
          seredis-table [--runs N] [--write]  run the Redis failures with every StackExchange.Redis version and print
                                     "which version heals" (--write: into docs/seredis-versions.md and the README)
          check-proxy --config FILE  run the proxy checks against your own nginx config template (see nginx/README.md)
                                     [--path /] [--host NAME] [--only CHECK,…] [--long-response 90s] [--stream-gap 5s]
                                     [--upstream-idle 2s] [--upstream-max-requests N] [--slow-client-rate B/s] [--websocket-idle 30s]
                                     [--upload-size 1m] [--cert FILE --key FILE] [--nginx PATH | --image IMAGE] [--json FILE|-] [--junit FILE]
          images build               build local images (nginx, redis) for --runtime docker from this machine's packages
                                     (no registry needed); prints the tags as BROKENPIPE_LAB_*_IMAGE=TAG lines
          explain "TEXT"             the scenarios whose runs produce this error message, ranked, with why, fix and how to reproduce
          explain --log FILE         the same for a log or a stack trace (nginx error log, application log)
          explain --pcap FILE        who closed each TCP connection of a capture first (FIN or RST), and the scenarios it matches
        run options:
          --variant broken|fixed|both   which variants (default: both)
          --json FILE                   also write the JSON results (one object per run, an array for several; '-' = stdout)
          --parallel N                  run up to N scenario runs side by side, each in its own lab (default: 8; 1 = one after the other)
          --runtime local|docker        where nginx and redis-server run: local processes (default) or containers
                                        (host network; env BROKENPIPE_LAB_RUNTIME)
          --image PROGRAM=IMAGE         a program's image on docker, per program: nginx (default nginx:1.27), redis (default
                                        redis:7.4); env BROKENPIPE_LAB_PROGRAM_IMAGE; --nginx-image/--redis-image IMAGE work too
          --html FILE                   also write one self-contained HTML page: a sequence diagram per run, checks, story
          --pcap DIR                    keep a packet capture per run in DIR (root; needs tcpdump and tshark)
          --redis-client NAME[,NAME…]|all   the Redis clients the Redis scenarios' application runs on, side by side, each
                                        in a process of its own: se-redis@1.2.6, se-redis@2.8.16, se-redis@3.4.35, redis-py,
                                        ioredis, node-redis (default: se-redis@3.4.35,redis-py,ioredis,node-redis;
                                        env BROKENPIPE_LAB_REDIS_CLIENTS)
          --seredis 1.2.6|2.8.16|3.4.35|all   the StackExchange.Redis version(s) among them (an alias kept from before
                                        --redis-client: it replaces the StackExchange.Redis clients and keeps the others)
        exit code: 0 every run met its expectation (every check passed), 1 some did not, 2 bad input or a machine not set up (one line)
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        try
        {
            // "run --help", "check-proxy -h": help wherever it is asked for, before any option is judged.
            if (args.Any(a => a is "--help" or "-h") && args[0] != "explain") return Help();
            if (args.Length == 0 || args[0] is "--html" or "--pcap" or "--seredis" or "--redis-client" or "--parallel") return await RunAsync(Arguments.ParseCatalog(args, catalog), cancellationToken);
            return args[0] switch
            {
                "list" => List(args),
                "describe" => Describe(args),
                "run" => await RunAsync(Arguments.ParseRun(args[1..], catalog), cancellationToken),
                "check-proxy" => await new CheckProxyCommand(stdout, stderr).RunAsync(args[1..], cancellationToken),
                "images" => await new ImagesCommand(stdout, stderr).RunAsync(args[1..], cancellationToken),
                "explain" => await new ExplainCommand(stdout, catalog).RunAsync(args[1..], cancellationToken),
                "seredis-table" => await new VersionTableCommand(stdout, stderr).RunAsync(args[1..], cancellationToken),
                "help" or "--help" or "-h" => Help(),
                _ => throw new CliException($"unknown command '{args[0]}' (commands: list, describe, run, check-proxy, images, seredis-table; --help for more)"),
            };
        }
        catch (CliException e)
        {
            await stderr.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (IsSetupFailure(e))
        {
            // The machine cannot run the lab as it is set up (a program or engine missing, a directory not ours): one line.
            await stderr.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>A failure of set-up, not of the lab: what the user fixes on their machine, told in one line.</summary>
    internal static bool IsSetupFailure(Exception e) => e is Lab.Runtimes.RuntimeMissingException or UnauthorizedAccessException;

    private int Help()
    {
        stdout.WriteLine(Usage);
        return 0;
    }

    private int List(string[] args)
    {
        if (args.Length > 1) throw new CliException("list takes no arguments");
        var width = catalog.Max(s => s.Id.Length);
        var areaWidth = catalog.Max(s => s.Area.Length);
        foreach (var s in catalog)
        {
            stdout.WriteLine($"{s.Id.PadRight(width)}  {s.Area.PadRight(areaWidth)}  {s.Title}{Marks(s)}");
        }
        return 0;
    }

    private int Describe(string[] args)
    {
        if (args.Length != 2) throw new CliException("describe needs exactly one scenario id");
        var s = catalog.FirstOrDefault(x => x.Id == args[1]) ?? throw new CliException($"unknown scenario '{args[1]}' (see 'list')");
        stdout.WriteLine($"{s.Id} — {s.Title}");
        stdout.WriteLine($"area: {s.Area}{Marks(s)}   seed: {s.Seed}");
        stdout.WriteLine();
        Section("On the wire", s.Story.Wire);
        Section("Why", s.Story.Why);
        Section("How to diagnose it", s.Story.Diagnose);
        Section("The fix", s.Story.Fix);
        Section("Broken variant expects", s.Broken.Expected);
        Section("Fixed variant expects", s.Fixed.Expected);
        ClientRows(s);
        VersionRows(s);
        return 0;
    }

    /// <summary>For a scenario with per-client expectations (ClientRun.Expect): what each Redis client sees, per variant.</summary>
    private void ClientRows(Scenario s)
    {
        var keys = RedisClientKinds.All.SelectMany(k => new[] { k.Name, k.Family }).Append(ClientExpectation.Every).Distinct().ToList();
        var rows = new[] { ("broken", s.Broken), ("fixed", s.Fixed) }
            .SelectMany(v => v.Item2.Checks.Select(c => (Variant: v.Item1, c.Description)))
            .Where(c => keys.Any(k => c.Description.StartsWith(k + ": ", StringComparison.Ordinal)))
            .ToList();
        if (rows.Count == 0) return;
        stdout.WriteLine("Per Redis client (each run checks it; --redis-client chooses the clients):");
        foreach (var (variant, description) in rows) stdout.WriteLine($"  {variant,-6} {description}");
        stdout.WriteLine();
    }

    /// <summary>For a scenario in the version table: its rows (the failure, and a fix where the table has one), per StackExchange.Redis version, from the committed table.</summary>
    private void VersionRows(Scenario s)
    {
        if (VersionTable.Committed() is not { } table) return;
        var lines = table.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var rows = lines.Where(l => l.Contains($"(`{s.Id}`)", StringComparison.Ordinal)).ToList();
        if (rows.Count == 0) return;
        stdout.WriteLine("StackExchange.Redis, per version (measured; docs/seredis-versions.md):");
        var versions = SeRedisVersions.All.Select(v => v.Name()).ToList();
        foreach (var row in rows)
        {
            var cells = row.Trim('|').Split(" | ").ToList();
            if (rows.Count > 1) stdout.WriteLine($"  {cells[0].Replace($"(`{s.Id}`)", "", StringComparison.Ordinal).Trim()}:");
            for (var i = 0; i < versions.Count && i + 1 < cells.Count; i++) stdout.WriteLine($"  {versions[i],-7} {cells[i + 1].Trim()}");
        }
        stdout.WriteLine();
    }

    private void Section(string title, string text)
    {
        stdout.WriteLine($"{title}:");
        stdout.WriteLine($"  {text}");
        stdout.WriteLine();
    }

    private async Task<int> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        var narration = request.JsonPath == "-" ? stderr : stdout;
        var scenarios = request.Scenarios;
        if (request.SkipUnavailable)
        {
            // Asked once per scenario: an answer may cost a round trip to the Docker engine.
            var reasons = scenarios.Select(s => (Scenario: s, Reason: s.UnavailableWith(request.Settings))).ToList();
            foreach (var (s, reason) in reasons.Where(r => r.Reason is not null)) await stderr.WriteLineAsync($"skipped {s.Id}: {reason}");
            scenarios = [.. reasons.Where(r => r.Reason is null).Select(r => r.Scenario)];
        }
        List<(Scenario Scenario, Variant Variant)> runs = [.. scenarios.SelectMany(s => request.Variants.Select(v => (s, v)))];
        var parallel = request.Parallel ?? ScenarioBatch.DefaultParallelism;
        request = await WithCaptureAsync(request);
        // The bare catalog in a terminal gets a progress bar and a drawn table; everything else prints plain lines.
        var drawn = terminal is not null && !request.Narrate && request.JsonPath != "-";
        if (parallel > 1 && runs.Count > 1 && !drawn) await stderr.WriteLineAsync($"{runs.Count} runs, up to {parallel} at a time (--parallel N to change)");
        await using IRunProgress progress = drawn ? await TerminalProgress.StartAsync(terminal!, runs.Count) : new PlainProgress(stderr);
        // Progress comes as runs finish; narrations are printed in the order asked for, as soon as their turn comes.
        var finished = new ScenarioResult?[runs.Count];
        var done = 0;
        var narrated = 0;
        var results = await ScenarioBatch.RunAsync(runs, parallel, request.Settings, (i, result) =>
        {
            finished[i] = result;
            progress.Done(++done, runs.Count, result);
            while (request.Narrate && narrated < runs.Count && finished[narrated] is { } next)
            {
                narration.WriteLine(TextReport.Narrate(runs[narrated].Scenario, next));
                narrated++;
            }
        }, cancellationToken);
        await progress.DisposeAsync();
        if (drawn) TerminalProgress.WriteTable(terminal!, results);
        else await narration.WriteLineAsync(TextReport.Table(results));
        if (request.JsonPath is { } path)
        {
            var json = JsonReport.Write(results);
            if (path == "-") await stdout.WriteLineAsync(json);
            else await File.WriteAllTextAsync(path, json + Environment.NewLine, cancellationToken);
        }
        if (request.HtmlPath is { } html) await WriteHtmlAsync(html, results, cancellationToken);
        return results.All(r => r.Outcome == Outcome.Met) ? 0 : 1;
    }

    /// <summary>--pcap: captures go into the directory when this process may capture; otherwise one line says why and the runs go on without.</summary>
    private async Task<RunRequest> WithCaptureAsync(RunRequest request)
    {
        if (request.PcapDir is not { } dir) return request;
        if (Lab.Capture.PacketCapture.Unavailable is { } reason)
        {
            await stderr.WriteLineAsync($"--pcap: no captures: {reason}");
            return request;
        }
        Directory.CreateDirectory(dir);
        return request with { Settings = request.Settings with { CaptureDirectory = Path.GetFullPath(dir) } };
    }

    private async Task WriteHtmlAsync(string path, IReadOnlyList<ScenarioResult> results, CancellationToken cancellationToken)
    {
        var runs = results.Select(r => new ReportRun(catalog.First(s => s.Id == r.Id), r)).ToList();
        await File.WriteAllTextAsync(path, HtmlReport.Write("BrokenPipe.Lab — who disconnected first", runs), cancellationToken);
        await stderr.WriteLineAsync($"wrote the HTML report to {path}");
    }

    private static string Marks(Scenario s) => (s.Slow ? " (slow)" : "") + (s.NeedsRoot ? " (needs root)" : "") + (s.NeedsDocker ? " (needs docker)" : "");
}
