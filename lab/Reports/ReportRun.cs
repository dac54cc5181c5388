using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Reports;

/// <summary>One run as the HTML report shows it: its scenario (for the story), its result, and what its packet capture said.</summary>
/// <param name="Scenario">The scenario the run belongs to.</param>
/// <param name="Result">The run's result.</param>
/// <param name="Wire">Lines read back from the run's packet capture (frame numbers of each FIN and RST), or empty.</param>
public sealed record ReportRun(Scenario Scenario, ScenarioResult Result, IReadOnlyList<string> Wire)
{
    /// <summary>A run without a capture.</summary>
    public ReportRun(Scenario scenario, ScenarioResult result)
        : this(scenario, result, [])
    {
    }

    /// <summary>The anchor of the run in the page: <c>run-ID-VARIANT</c>.</summary>
    public string Anchor => $"run-{Result.Id}-{JsonReport.VariantName(Result.Variant)}";
}
