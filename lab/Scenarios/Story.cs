namespace BrokenPipe.Lab.Scenarios;

/// <summary>What a scenario teaches: what happens on the wire, why, how to diagnose it, and the fix.</summary>
public sealed record Story(string Wire, string Why, string Diagnose, string Fix);
