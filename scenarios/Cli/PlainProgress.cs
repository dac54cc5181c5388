using System.Globalization;
using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>One line per finished run on stderr, with its verdict: what CI logs and redirected output get.</summary>
public sealed class PlainProgress(TextWriter stderr) : IRunProgress
{
    /// <inheritdoc/>
    public void Done(int number, int total, ScenarioResult result) =>
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{number}/{total}] {result.Name} {JsonReport.VariantName(result.Variant)}: {TextReport.Verdict(result)} in {result.Duration.TotalSeconds:0.00} s; first disconnect: {TextReport.Describe(result.FirstDisconnect)}"));

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
