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
                                     [--html FILE] [--pcap DIR] [--redis-client NAME[,NAME…]|all] [--seredis VERSION|all] [--upstream NAME|all] [--proxy nginx|haproxy|all] [--parallel N] [--shard K/N]
          list                       one line per scenario: id, area, title
          describe <id>              the story: what happens on the wire, why, how to diagnose it, the fix
          run <id>... [options]      run scenarios and narrate each run
          run --all [options]        run the quick catalog (add --include-slow for the slow ones)
          merge A.json B.json…       one report from several results files (the shards of --shard K/N):
                                     [--json FILE|-] [--html FILE]; prints the results table
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
          --shard K/N                   only the K-th of N disjoint parts of the runs asked for (a CI matrix of N machines
                                        runs each once; join their --json files with merge)
          --redis-client NAME[,NAME…]|all   the Redis clients the Redis scenarios' application runs on, side by side, each
                                        in a process of its own: se-redis@1.2.6, se-redis@2.8.16, se-redis@3.4.35, redis-py,
                                        ioredis, node-redis (default: se-redis@3.4.35,redis-py,ioredis,node-redis;
                                        env BROKENPIPE_LAB_REDIS_CLIENTS)
          --seredis 1.2.6|2.8.16|3.4.35|all   the StackExchange.Redis version(s) among them (an alias kept from before
                                        --redis-client: it replaces the StackExchange.Redis clients and keeps the others)
          --upstream kestrel|raw|go|node|python|java|all   the server behind the HTTP scenarios' traffic (default: each
                                        scenario's own); all: a run per upstream a scenario takes, side by side
          --proxy nginx|haproxy|all     the reverse proxy of the proxy scenarios (default: nginx; env BROKENPIPE_LAB_PROXY);
                                        all: each proxy scenario once per proxy it runs on. A scenario named by its id that
                                        does not run on the proxy asked for is an error; from the catalog it is skipped, with a line
        exit code: 0 every run met its expectation (every check passed), 1 some did not, 2 bad input or a machine not set up (one line)
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        try
        {
            // "run --help", "check-proxy -h": help wherever it is asked for, before any option is judged.
            if (args.Any(a => a is "--help" or "-h") && args[0] != "explain") return Help();
            if (args.Length == 0 || args[0] is "--html" or "--pcap" or "--seredis" or "--redis-client" or "--parallel" or "--shard" or "--upstream" or "--proxy") return await RunAsync(Arguments.ParseCatalog(args, catalog), cancellationToken);
            return args[0] switch
            {
                "list" => List(args),
                "describe" => Describe(args),
                "run" => await RunAsync(Arguments.ParseRun(args[1..], catalog), cancellationToken),
                "check-proxy" => await new CheckProxyCommand(stdout, stderr).RunAsync(args[1..], cancellationToken),
                "images" => await new ImagesCommand(stdout, stderr).RunAsync(args[1..], cancellationToken),
                "explain" => await new ExplainCommand(stdout, catalog).RunAsync(args[1..], cancellationToken),
                "merge" => await new MergeCommand(stdout, stderr, catalog).RunAsync(args[1..], cancellationToken),
                "seredis-table" => await new VersionTableCommand(stdout, stderr).RunAsync(args[1..], cancellationToken),
                "help" or "--help" or "-h" => Help(),
                _ => throw new CliException($"unknown command '{args[0]}' (commands: list, describe, run, merge, check-proxy, images, explain, seredis-table; --help for more)"),
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
        request = await WithCaptureAsync(request);
        // --upstream and --proxy first: a run per upstream or proxy is a run of its own, in every shard's list alike.
        var skips = new List<string>();
        var asked = (request with { Scenarios = await WithUpstreamAsync(request, request.Scenarios) }).Runs(skips.Add);
        foreach (var skip in skips) await stderr.WriteLineAsync(skip);
        // A shard is cut before anything is skipped here, so that every machine cuts the same list.
        if (request.Shard is { } shard)
        {
            var mine = shard.Take(asked);
            await stderr.WriteLineAsync($"shard {shard}: {mine.Count} of {asked.Count} runs");
            asked = mine;
        }
        var runs = asked;
        if (request.SkipUnavailable)
        {
            // Asked once per scenario and settings: an answer may cost a round trip to the Docker engine.
            var reasons = asked.Select(r => (r.Scenario, r.Settings)).Distinct().Select(k => (Key: k, Reason: k.Scenario.UnavailableWith(k.Settings))).ToList();
            foreach (var ((s, _), reason) in reasons.Where(r => r.Reason is not null)) await stderr.WriteLineAsync($"skipped {(s.Upstream is null ? s.Id : $"{s.Id}@{s.Upstream}")}: {reason}");
            runs = [.. asked.Where(r => reasons.First(x => x.Key == (r.Scenario, r.Settings)).Reason is null)];
        }
        var parallel = request.Parallel ?? ScenarioBatch.DefaultParallelism;
        // The bare catalog in a terminal gets a progress bar and a drawn table; everything else prints plain lines.
        var drawn = terminal is not null && !request.Narrate && request.JsonPath != "-";
        if (parallel > 1 && runs.Count > 1 && !drawn) await stderr.WriteLineAsync($"{runs.Count} runs, up to {parallel} at a time (--parallel N to change)");
        await using IRunProgress progress = drawn ? await TerminalProgress.StartAsync(terminal!, runs.Count) : new PlainProgress(stderr);
        // Progress comes as runs finish; narrations are printed in the order asked for, as soon as their turn comes.
        var finished = new ScenarioResult?[runs.Count];
        var done = 0;
        var narrated = 0;
        var results = await ScenarioBatch.RunAsync(runs, parallel, (i, result) =>
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

    /// <summary>
    /// --upstream: each scenario with that upstream (all: with each it takes, a run each). A scenario that cannot take it
    /// is said on stderr: with no upstream to choose it runs its own; one that takes others is skipped. One whose
    /// upstream's runtime is missing is skipped with the reason later, with the machine's other skips.
    /// </summary>
    private async Task<IReadOnlyList<Scenario>> WithUpstreamAsync(RunRequest request, IReadOnlyList<Scenario> scenarios)
    {
        if (request.Upstream is not { } upstream) return scenarios;
        var chosen = new List<Scenario>();
        foreach (var s in scenarios)
        {
            if (s.Upstreams.Count == 0)
            {
                if (upstream != "all") await stderr.WriteLineAsync($"{s.Id}: --upstream {upstream} does not apply (it has no upstream to choose): its own run");
                chosen.Add(s);
            }
            else if (upstream == "all") chosen.AddRange(s.Upstreams.Select(s.WithUpstream));
            else if (s.Upstreams.Contains(upstream)) chosen.Add(s.WithUpstream(upstream));
            else await stderr.WriteLineAsync($"skipped {s.Id}: it takes --upstream {string.Join(", ", s.Upstreams)}, not {upstream}");
        }
        return chosen;
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

    private static string Marks(Scenario s) =>
        (s.Slow ? " (slow)" : "") + (s.NeedsRoot ? " (needs root)" : "") + (s.NeedsDocker ? " (needs docker)" : "") + (s.Proxies.Count > 1 ? $" (on {string.Join(", ", s.Proxies)})" : "");
}
