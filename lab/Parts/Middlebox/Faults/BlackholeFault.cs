namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: the client's connect succeeds (the middlebox's kernel completes the handshake), and then nothing:
// the target is never contacted, every byte the client sends is ACKed and discarded, no byte ever comes back, no
// FIN, no RST. Only the client's own timeout ends it.

/// <summary>Accepts and never forwards.</summary>
public sealed class BlackholeFault : IFault
{
    public bool ConnectsToTarget => false;

    public string Describe() => "blackhole: accept, never forward";

    public ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FaultDecision.Drop);
}
