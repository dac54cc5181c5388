namespace BrokenPipe.Lab.Events;

/// <summary>
/// A number a part or a scenario measured (<see cref="EventKind.Measured"/>): what it is, its value and its unit.
/// Checks match on <see cref="Name"/> and <see cref="Value"/>; the event's detail says it in words.
/// </summary>
/// <param name="Name">What was measured, a stable kebab-case name ("smallest-failing-response", "bytes-drained").</param>
/// <param name="Value">The value.</param>
/// <param name="Unit">Its unit ("bytes", "messages", "ms", "retries").</param>
public sealed record Measurement(string Name, double Value, string Unit);
