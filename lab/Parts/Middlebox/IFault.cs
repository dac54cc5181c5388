namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>
/// A fault the middlebox applies, one small class per behaviour. The middlebox asks it about every chunk that
/// arrives, before counting or forwarding it; the decision's forward count may be shortened to split a chunk (the
/// bytes before the cut are forwarded, then the action applies). The middlebox keeps no state for a fault: one that
/// needs some per flow owns it.
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
    /// Decides for the chunk in <paramref name="context"/> (a count of 0 is that side's FIN); may wait first (latency,
    /// bandwidth). A fault that needs state per flow keeps it itself, keyed by <see cref="FaultContext.Flow"/>.
    /// </summary>
    ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken);
}
