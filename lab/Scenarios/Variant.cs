namespace BrokenPipe.Lab.Scenarios;

public enum Variant
{
    /// <summary>The failure must reproduce.</summary>
    Broken,

    /// <summary>The fix is applied; the failure must not happen.</summary>
    Fixed,
}
