namespace BrokenPipe.Lab.Scenarios;

/// <summary>The oracle's word on one run: agree, disagree or cannot judge, and why, in one line.</summary>
/// <param name="Id">The scenario.</param>
/// <param name="Variant">The variant.</param>
/// <param name="Outcome">What the packets say of the timeline.</param>
/// <param name="Why">The capture's first close beside the timeline's, or each close the timeline missed, or why the capture cannot judge.</param>
internal sealed record OracleVerdict(string Id, Variant Variant, OracleOutcome Outcome, string Why)
{
    /// <summary>"ID VARIANT: agree — WHY", the bench's line.</summary>
    public string Line => $"{Id} {Variant.ToString().ToLowerInvariant()}: {Word(Outcome)} — {Why}";

    private static string Word(OracleOutcome outcome) => outcome switch
    {
        OracleOutcome.Agree => "agree",
        OracleOutcome.Disagree => "DISAGREE",
        _ => "cannot judge",
    };
}
