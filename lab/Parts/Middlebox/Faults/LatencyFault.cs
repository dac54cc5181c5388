namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: every chunk, in both directions, is held for T before it is forwarded (a long path). Nothing is
// dropped or closed; a FIN is delayed like data.

/// <summary>Adds T to every chunk.</summary>
public sealed class LatencyFault(TimeSpan delay) : IFault
{
    public TimeSpan Delay { get; } = delay;

    public string Describe() => $"latency {Delay.TotalMilliseconds:0} ms";

    public async ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
        return FaultDecision.ForwardAll(context.Count);
    }
}
