using System.Globalization;
using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// <c>seredis-table [--runs N] [--write]</c>: runs the version table's scenarios (each row's variant) with every
/// StackExchange.Redis version side by side, prints the table, and with <c>--write</c> puts it into
/// docs/seredis-versions.md and the README (between its seredis-table markers).
/// </summary>
public sealed class VersionTableCommand(TextWriter stdout, TextWriter stderr)
{
    private const string Begin = "<!-- seredis-table -->";
    private const string End = "<!-- /seredis-table -->";

    /// <summary>Runs the command; returns the exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var runs = 1;
        var write = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--runs" when i + 1 < args.Count && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 50:
                    runs = n;
                    i++;
                    break;
                case "--runs":
                    throw new CliException("--runs needs a number from 1 to 50");
                case "--write":
                    write = true;
                    break;
                default:
                    throw new CliException($"unknown option '{args[i]}' for seredis-table (try --runs N, --write)");
            }
        }
        var settings = LabSettings.Default with { SeRedis = SeRedisVersions.All };
        var cells = new Dictionary<(string Row, SeRedisVersion Version), List<VersionTable.Facts>>();
        var met = true;
        foreach (var row in VersionTable.Rows)
        {
            var scenario = Catalog.Find(row.ScenarioId)!;
            for (var r = 1; r <= runs; r++)
            {
                await stderr.WriteLineAsync($"[{row.ScenarioId} {row.Variant.ToString().ToLowerInvariant()} {r}/{runs}] …");
                var result = await ScenarioRunner.RunAsync(scenario, row.Variant, settings: settings, cancellationToken: cancellationToken);
                met &= result.Outcome == Outcome.Met;
                await stderr.WriteLineAsync($"      {TextReport.Verdict(result)} in {result.Duration.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s");
                foreach (var run in LibraryRun.On(result.Events))
                {
                    if (!cells.TryGetValue((row.Failure, run.Version), out var list)) cells[(row.Failure, run.Version)] = list = [];
                    if (VersionTable.Observe(row, run) is { } facts) list.Add(facts);
                }
            }
        }
        var table = VersionTable.Markdown(cells, runs);
        await stdout.WriteLineAsync(table);
        if (write)
        {
            var root = RepoRoot() ?? throw new CliException("--write needs the repository (BrokenPipe.Lab.sln in this directory or above)");
            await File.WriteAllTextAsync(Path.Combine(root, "docs", "seredis-versions.md"), $"# StackExchange.Redis: which version heals{Environment.NewLine}{Environment.NewLine}{table}{Environment.NewLine}", cancellationToken);
            var readme = Path.Combine(root, "README.md");
            var text = await File.ReadAllTextAsync(readme, cancellationToken);
            var a = text.IndexOf(Begin, StringComparison.Ordinal);
            var b = text.IndexOf(End, StringComparison.Ordinal);
            if (a < 0 || b < a) throw new CliException($"README.md has no {Begin} … {End} markers");
            text = text[..(a + Begin.Length)] + Environment.NewLine + table + Environment.NewLine + text[b..];
            await File.WriteAllTextAsync(readme, text, cancellationToken);
            await stderr.WriteLineAsync($"wrote docs/seredis-versions.md and the README's table");
        }
        return met ? 0 : 1;
    }

    private static string? RepoRoot()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BrokenPipe.Lab.sln"))) return dir.FullName;
        }
        return null;
    }
}
