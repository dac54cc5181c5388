namespace BrokenPipe.Lab.Scenarios;

/// <summary>How a scenario run ended against its expectation (the JSON contract spells it met, not-met, error).</summary>
public enum Outcome
{
    /// <summary>Every check held.</summary>
    Met,

    /// <summary>The run finished, but a check did not hold.</summary>
    NotMet,

    /// <summary>The run itself failed (a part would not start, a bounded wait ran out, the run timed out).</summary>
    Error,
}
