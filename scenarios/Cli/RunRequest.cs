using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>A parsed <c>run</c> command.</summary>
public sealed record RunRequest(IReadOnlyList<Scenario> Scenarios, IReadOnlyList<Variant> Variants, string? JsonPath, bool Narrate);
