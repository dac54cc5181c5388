namespace BrokenPipe.Lab;

/// <summary>
/// What a lab runs its parts on, chosen per run (in code, on the CLI, or from the environment for <c>dotnet test</c>)
/// and never by a scenario: the same scenario code runs under any settings. Parts read it from
/// <see cref="LabSandbox.Settings"/>.
/// </summary>
public sealed record LabSettings
{
    /// <summary>
    /// The StackExchange.Redis versions a Redis scenario's application runs on, side by side in one run (each in an
    /// observer process of its own): the current 3.x by default; <c>--seredis 1.2.6|2.8.16|3.4.35|all</c> on the CLI.
    /// </summary>
    public IReadOnlyList<Clients.SeRedisVersion> SeRedis { get; init; } = Clients.SeRedisVersions.Default;

    /// <summary>The settings of a lab nobody configured.</summary>
    public static LabSettings Default { get; } = new();
}
