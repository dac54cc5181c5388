using System.Globalization;
using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>One line per run on stderr, and the verdict after it: what CI logs and redirected output get.</summary>
public sealed class PlainProgress(TextWriter stderr) : IRunProgress
{
    /// <inheritdoc/>
    public Task StartingAsync(int number, int total, Scenario scenario, Variant variant) =>
        stderr.WriteLineAsync($"[{number}/{total}] {scenario.Id} {JsonReport.VariantName(variant)} …");

    /// <inheritdoc/>
    public Task DoneAsync(ScenarioResult result, bool narrated) => narrated
        ? Task.CompletedTask
        : stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"      {TextReport.Verdict(result)} in {result.Duration.TotalSeconds:0.00} s; first disconnect: {TextReport.Describe(result.FirstDisconnect)}"));

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
