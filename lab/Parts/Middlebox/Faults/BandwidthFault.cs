using System.Runtime.CompilerServices;

namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: each direction of each flow is paced to B bytes per second (a slow link). The middlebox reads no
// faster than it forwards, so TCP's flow control pushes back on the sender: its writes block once the buffers are
// full. Nothing is dropped or closed.

/// <summary>Limits each direction to B bytes/s.</summary>
public sealed class BandwidthFault(double bytesPerSecond) : IFault
{
    private readonly ConditionalWeakTable<Flow, Pacer> _links = new();

    public double BytesPerSecond { get; } = bytesPerSecond;

    public string Describe() => $"bandwidth {BytesPerSecond:0} bytes/s";

    public async ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken)
    {
        var due = _links.GetValue(context.Flow, _ => new Pacer(BytesPerSecond)).Until(context.Direction, context.Count);
        if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken).ConfigureAwait(false);
        return FaultDecision.ForwardAll(context.Count);
    }
}
