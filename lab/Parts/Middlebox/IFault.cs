namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>
/// A fault the middlebox applies, one small class per behaviour. The middlebox asks it about every chunk that
/// arrives, before counting or forwarding it; the action's forward count may be shortened to split a chunk (the
/// bytes before the cut are forwarded, then the action applies).
/// </summary>
public interface IFault
{
    /// <summary>A name for the timeline ("reset after 1048576 bytes downstream").</summary>
    string Describe();

    /// <summary>Whether to connect to the target at all (a blackhole does not).</summary>
    bool ConnectsToTarget => true;

    /// <summary>Decides when a client connects: <see cref="FaultAction.Reset"/> resets it at once. The default is to forward.</summary>
    FaultAction OnConnect(Flow flow) => FaultAction.Forward;

    /// <summary>
    /// Decides for <paramref name="count"/> bytes arriving in <paramref name="direction"/> (0 means that side's FIN);
    /// may wait first (latency, bandwidth).
    /// </summary>
    ValueTask<(FaultAction Action, int Forward)> OnDataAsync(Flow flow, Direction direction, int count, CancellationToken cancellationToken);
}
