using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Reports;

/// <summary>One run as the HTML report shows it: its scenario (for the story) and its result (with its capture, if any).</summary>
/// <param name="Scenario">The scenario the run belongs to.</param>
/// <param name="Result">The run's result.</param>
internal sealed record ReportRun(Scenario Scenario, ScenarioResult Result)
{
    /// <summary>The anchor of the run in the page: <c>run-ID-VARIANT</c>, <c>-UPSTREAM</c> for an upstream chosen for it, <c>-PROXY</c> for another proxy than the scenario's own.</summary>
    public string Anchor => $"run-{Result.Id}-{JsonReport.VariantName(Result.Variant)}{(Result.UpstreamChosen ? $"-{Result.Upstream}" : "")}{(Result.Proxy is { } p && p != Scenario.Proxy ? $"-{p}" : "")}";
}
