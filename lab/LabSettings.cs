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

    /// <summary>
    /// Where to keep a packet capture of each run (<c>ID-VARIANT.pcap</c>, tcpdump, needs root), or null for none. The
    /// run's <see cref="Scenarios.ScenarioResult.Capture"/> then names the frames of each FIN and RST.
    /// </summary>
    public string? CaptureDirectory { get; init; }
}
