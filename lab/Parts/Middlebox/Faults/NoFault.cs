namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: nothing added. Bytes are forwarded as they come; a FIN from one side is passed on as a FIN
// (shutdown of the other connection's sending half); an RST from one side becomes an RST on the other.

/// <summary>"Off": the middlebox forwards faithfully.</summary>
public sealed class NoFault : IFault
{
    public static NoFault Instance { get; } = new();

    public string Describe() => "off";

    public ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(FaultDecision.ForwardAll(context.Count));
}
