namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>
/// A fault's answer for a chunk: forward the first <see cref="Forward"/> bytes (fewer than the chunk splits it: the
/// bytes before the cut go on, then the <see cref="Action"/> applies), and optionally start a timer that resets both
/// sides of the flow after <see cref="ResetAfter"/> (a timer, not data, triggers it).
/// </summary>
public readonly record struct FaultDecision(FaultAction Action, int Forward, TimeSpan? ResetAfter = null)
{
    /// <summary>Forward the whole chunk of <paramref name="count"/> bytes.</summary>
    public static FaultDecision ForwardAll(int count) => new(FaultAction.Forward, count);

    /// <summary>Discard the chunk silently.</summary>
    public static FaultDecision Drop { get; } = new(FaultAction.Drop, 0);
}
