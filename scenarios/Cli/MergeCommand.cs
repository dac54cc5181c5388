using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// <c>merge A.json B.json … [--json OUT|-] [--html OUT]</c>: one report from the results of several runs (the shards of
/// <c>run --all --shard K/N</c>, or any runs). The runs keep their JSON as written, in the catalog's order; a run found
/// in two files is an error. Prints the results table; exit 0 when every run met its expectation, 1 when one did not.
/// </summary>
internal sealed class MergeCommand(TextWriter stdout, TextWriter stderr, IReadOnlyList<Scenario> catalog)
{
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var (files, json, html) = Parse(args);
        var runs = new List<(JsonRun Run, string File)>();
        foreach (var file in files)
        {
            if (!File.Exists(file)) throw new CliException($"merge: no such file: {file}");
            IReadOnlyList<JsonRun> read;
            try
            {
                read = JsonResults.Read(await File.ReadAllTextAsync(file, cancellationToken), file);
            }
            catch (FormatException e)
            {
                throw new CliException($"merge: {e.Message}");
            }
            foreach (var run in read)
            {
                if (runs.FirstOrDefault(r => r.Run.Key == run.Key) is { Run: not null } twice) throw new CliException($"merge: the run {run.Key} is in both {twice.File} and {file}");
                if (Scenario(run.Result.Id) is null) throw new CliException($"merge: {file} has a run of '{run.Result.Id}', which this catalog does not know");
                runs.Add((run, file));
            }
        }
        var ordered = runs.Select(r => r.Run).OrderBy(r => IndexOf(r.Result.Id)).ThenBy(r => r.Result.Variant).ToList();
        var results = ordered.Select(r => r.Result).ToList();
        var narration = json == "-" ? stderr : stdout;
        await narration.WriteLineAsync($"merged {results.Count} runs from {files.Count} files");
        await narration.WriteLineAsync(TextReport.Table(results));
        if (json is not null)
        {
            var text = ordered.Count == 1
                ? ordered[0].Json.ToJsonString(Indented)
                : new System.Text.Json.Nodes.JsonArray([.. ordered.Select(r => r.Json.DeepClone())]).ToJsonString(Indented);
            if (json == "-") await stdout.WriteLineAsync(text);
            else await File.WriteAllTextAsync(json, text + Environment.NewLine, cancellationToken);
        }
        if (html is not null)
        {
            var pages = ordered.Select(r => new ReportRun(Scenario(r.Result.Id)!, r.Result)).ToList();
            await File.WriteAllTextAsync(html, HtmlReport.Write("BrokenPipe.Lab — who disconnected first", pages), cancellationToken);
            await stderr.WriteLineAsync($"wrote the HTML report to {html}");
        }
        return results.All(r => r.Outcome == Outcome.Met) ? 0 : 1;
    }

    private static readonly System.Text.Json.JsonSerializerOptions Indented = new() { WriteIndented = true };

    private Scenario? Scenario(string id) => catalog.FirstOrDefault(s => s.Id == id);

    private int IndexOf(string id) => catalog.ToList().FindIndex(s => s.Id == id);

    private static (List<string> Files, string? Json, string? Html) Parse(IReadOnlyList<string> args)
    {
        var files = new List<string>();
        string? json = null;
        string? html = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--json":
                    json = Arguments.Value(args, ref i, "--json");
                    break;
                case "--html":
                    html = Arguments.HtmlPath(Arguments.Value(args, ref i, "--html"));
                    break;
                case var a when a.StartsWith('-') && a != "-":
                    throw new CliException($"unknown option '{a}' for merge (try --json FILE, --html FILE)");
                default:
                    files.Add(args[i]);
                    break;
            }
        }
        if (files.Count == 0) throw new CliException("merge needs at least one results file (from run --json FILE)");
        return (files, json, html);
    }
}
