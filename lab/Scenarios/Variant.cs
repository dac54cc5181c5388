namespace BrokenPipe.Lab.Scenarios;

/// <summary>Which of a scenario's two variants runs: the failure, or its fix.</summary>
public enum Variant
{
    /// <summary>The failure must reproduce.</summary>
    Broken,

    /// <summary>The fix is applied; the failure must not happen.</summary>
    Fixed,
}
