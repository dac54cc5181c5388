namespace BrokenPipe.Lab;

/// <summary>
/// What a lab runs its parts on, chosen per run (in code, on the CLI, or from the environment for <c>dotnet test</c>)
/// and never by a scenario: the same scenario code runs under any settings. Parts read it from
/// <see cref="LabSandbox.Settings"/>.
/// </summary>
public sealed record LabSettings
{
    /// <summary>The settings of a lab nobody configured.</summary>
    public static LabSettings Default { get; } = new();
}
