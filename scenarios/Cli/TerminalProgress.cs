using BrokenPipe.Lab.Reports;
using Spectre.Console;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// The catalog's progress bar in a terminal (Spectre.Console, written to the <see cref="IAnsiConsole"/> it is given):
/// one bar for the whole catalog, its description the last run to finish.
/// </summary>
public sealed class TerminalProgress : IRunProgress
{
    private readonly IAnsiConsole _console;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _display;
    private ProgressTask? _bar;

    private TerminalProgress(IAnsiConsole console, int total)
    {
        _console = console;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _display = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                _bar = ctx.AddTask("catalog", maxValue: Math.Max(1, total));
                ready.SetResult();
                await _finished.Task.ConfigureAwait(false);
                _bar.Description = $"{total} runs done";
                _bar.Value = _bar.MaxValue;
                ctx.Refresh();
            });
        Ready = ready.Task;
    }

    private Task Ready { get; }

    /// <summary>Starts the progress display for <paramref name="total"/> runs.</summary>
    public static async Task<TerminalProgress> StartAsync(IAnsiConsole console, int total)
    {
        var progress = new TerminalProgress(console, total);
        await Task.WhenAny(progress.Ready, progress._display).ConfigureAwait(false);
        return progress;
    }

    /// <inheritdoc/>
    public void Done(int number, int total, ScenarioResult result)
    {
        if (_bar is not null)
        {
            _bar.Description = Markup.Escape($"[{number}/{total}] {result.Name} {JsonReport.VariantName(result.Variant)}: {TextReport.Verdict(result)}");
            _bar.Increment(1);
        }
    }

    /// <summary>Completes the bar and waits until the display has drawn its last frame.</summary>
    public async ValueTask DisposeAsync()
    {
        _finished.TrySetResult();
        await _display.ConfigureAwait(false);
    }

    /// <summary>The results table: one row per run, the verdict coloured, and the count of runs that met their expectation.</summary>
    public static void WriteTable(IAnsiConsole console, IReadOnlyList<ScenarioResult> results)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("scenario").AddColumn("variant").AddColumn("verdict").AddColumn(new TableColumn("time").RightAligned()).AddColumn("first disconnect");
        foreach (var r in results)
        {
            var colour = r.Outcome == Outcome.Met ? "green" : "red";
            var first = r.FirstDisconnect is { } f ? $"{Lab.Events.TimelineFormat.SideName(f.Side)} {f.How} at {f.At.TotalMilliseconds:0} ms" : "-";
            table.AddRow(
                Markup.Escape(r.Name),
                JsonReport.VariantName(r.Variant),
                $"[{colour}]{TextReport.Verdict(r)}[/]",
                $"{r.Duration.TotalSeconds:0.00} s",
                Markup.Escape(first));
        }
        console.Write(table);
        var met = results.Count(r => r.Outcome == Outcome.Met);
        console.MarkupLine($"[{(met == results.Count ? "green" : "red")}]{met} of {results.Count} runs met their expectation.[/]");
    }
}
