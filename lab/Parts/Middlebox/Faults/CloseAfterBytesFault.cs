namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: a truncating proxy. It forwards exactly N bytes downstream (target → client), then closes both
// connections with a FIN, as if the response had ended there. The client sees a clean EOF in the middle of a body
// and must notice the short body itself (Content-Length, chunk framing).

/// <summary>FIN to both sides after N bytes downstream.</summary>
public sealed class CloseAfterBytesFault(long bytes) : IFault
{
    public long Bytes { get; } = bytes;

    public string Describe() => $"close (FIN) after {Bytes} bytes downstream";

    public ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken)
    {
        if (context.Direction != Direction.Downstream) return ValueTask.FromResult(FaultDecision.ForwardAll(context.Count));
        var left = Bytes - context.BytesSoFar;
        return ValueTask.FromResult(left <= context.Count ? new FaultDecision(FaultAction.Close, (int)Math.Max(0, left)) : FaultDecision.ForwardAll(context.Count));
    }
}
