using System.Runtime.CompilerServices;

namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: nothing while the flow is busy. Once it has been idle for T, everything from both sides is silently
// discarded, for ever: no FIN, no RST, no error — like Azure's and Google's load balancers and NAT gateways.
// The honest limit: the middlebox is a user-space forwarder, so its kernel still ACKs every byte it discards. The
// sender sees no retransmissions and TCP never times out; only an application-level timeout (or TCP keepalive
// probes, which are ACKed too) can notice. For a real packet drop (root only) see PacketDropMiddlebox. A FIN that either
// side sends into the blackhole is still its close on the wire: the middlebox records it (PeerClosed) and passes nothing on.

/// <summary>Blackholes flows idle for T: silence in both directions, no FIN, no RST.</summary>
public sealed class DropAfterIdleFault(TimeSpan idle) : IFault
{
    private static readonly object Dropping = new();

    /// <summary>The flows this fault has started to blackhole (released with the flow).</summary>
    private readonly ConditionalWeakTable<Flow, object> _dropping = new();

    public TimeSpan IdleTimeout { get; } = idle;

    public string Describe() => $"drop everything silently after {IdleTimeout.TotalMilliseconds:0} ms idle";

    public ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken)
    {
        if (_dropping.TryGetValue(context.Flow, out _) || context.Idle >= IdleTimeout)
        {
            _dropping.AddOrUpdate(context.Flow, Dropping);
            return ValueTask.FromResult(FaultDecision.Drop);
        }
        return ValueTask.FromResult(FaultDecision.ForwardAll(context.Count));
    }
}
