namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: an RST to BOTH sides (each socket closed with SO_LINGER 0), like a load balancer or firewall that
// kills a flow. Three triggers: at once when the client connects; after exactly N bytes in one direction (the
// bytes before the cut are forwarded first); or T after the flow's first byte (a timer started by that byte).
// Flows numbered above FirstFlows are left alone, so a retry on a new connection can get through.

/// <summary>Resets flows: at once, after N bytes, or T after the first byte.</summary>
public sealed class ResetFault : IFault
{
    private ResetFault(string description) => Description = description;

    public string Description { get; }

    public bool AtOnce { get; private init; }

    public long? AfterBytes { get; private init; }

    public Direction AfterBytesDirection { get; private init; }

    public TimeSpan? AfterFirstByte { get; private init; }

    /// <summary>Only the first this many flows are reset (a transient fault); the default is every flow.</summary>
    public int FirstFlows { get; private init; } = int.MaxValue;

    public static ResetFault Immediately(int firstFlows = int.MaxValue) => new("reset at connect") { AtOnce = true, FirstFlows = firstFlows };

    public static ResetFault AfterBytesIn(Direction direction, long bytes, int firstFlows = int.MaxValue) =>
        new($"reset after {bytes} bytes {direction.ToString().ToLowerInvariant()}") { AfterBytes = bytes, AfterBytesDirection = direction, FirstFlows = firstFlows };

    public static ResetFault After(TimeSpan sinceFirstByte, int firstFlows = int.MaxValue) =>
        new($"reset {sinceFirstByte.TotalMilliseconds:0} ms after the first byte") { AfterFirstByte = sinceFirstByte, FirstFlows = firstFlows };

    public string Describe() => FirstFlows == int.MaxValue ? Description : $"{Description} (first {FirstFlows} connection(s) only)";

    public FaultAction OnConnect(Flow flow) => AtOnce && Applies(flow) ? FaultAction.Reset : FaultAction.Forward;

    public ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken)
    {
        if (!Applies(context.Flow)) return ValueTask.FromResult(FaultDecision.ForwardAll(context.Count));
        // The first byte starts the timer (a FIN before any byte too, as a chunk of 0).
        var timer = AfterFirstByte is { } t && context.TotalBytesSoFar == 0 ? t : (TimeSpan?)null;
        if (AfterBytes is { } n && context.Direction == AfterBytesDirection)
        {
            var left = n - context.BytesSoFar;
            if (left <= context.Count) return ValueTask.FromResult(new FaultDecision(FaultAction.Reset, (int)Math.Max(0, left), timer));
        }
        return ValueTask.FromResult(FaultDecision.ForwardAll(context.Count) with { ResetAfter = timer });
    }

    private bool Applies(Flow flow) => flow.Number <= FirstFlows;
}
