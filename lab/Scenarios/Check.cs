namespace BrokenPipe.Lab.Scenarios;

/// <summary>One named condition over the finished timeline.</summary>
public sealed record Check(string Description, Func<IReadOnlyList<LabEvent>, bool> Holds);

/// <summary>A check's verdict for one run.</summary>
public sealed record CheckResult(string Description, bool Met);
