namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: nothing while the flow is busy. Once it has been idle for T (no byte either way; the timer restarts
// with every byte), the middlebox forgets it, like AWS's Network Load Balancer: the next packet from EITHER side —
// data or a FIN — is answered with an RST to both sides. Nothing is sent at the moment the flow is forgotten.

/// <summary>Forgets flows idle for T; the next packet resets them.</summary>
public sealed class ResetAfterIdleFault(TimeSpan idle) : IFault
{
    public TimeSpan IdleTimeout { get; } = idle;

    public string Describe() => $"reset on the first packet after {IdleTimeout.TotalMilliseconds:0} ms idle";

    public ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(context.Idle >= IdleTimeout ? new FaultDecision(FaultAction.Reset, 0) : FaultDecision.ForwardAll(context.Count));
}
