using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Reports;

/// <summary>One run as the HTML report shows it: its scenario (for the story) and its result (with its capture, if any).</summary>
/// <param name="Scenario">The scenario the run belongs to.</param>
/// <param name="Result">The run's result.</param>
internal sealed record ReportRun(Scenario Scenario, ScenarioResult Result)
{
    /// <summary>The anchor of the run in the page: <c>run-ID-VARIANT</c>.</summary>
    public string Anchor => $"run-{Result.Id}-{JsonReport.VariantName(Result.Variant)}{(Result.Proxy is { } p && p != Scenario.Proxy ? $"-{p}" : "")}";
}
