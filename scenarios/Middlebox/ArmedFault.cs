using BrokenPipe.Lab.Parts.Middlebox;

namespace BrokenPipe.Scenarios.Middlebox;

// On the wire: nothing but forwarding until the scenario arms it; from then on exactly what the inner fault does
// (its idle clock still counts from each flow's last byte, armed or not). It keeps the connect phase out of the test:
// a library's first connect in a fresh process can leave a flow quiet for seconds on busy cores (3.4.35's handshake
// took > 3 s at load 50), and an idle fault that is live from the first byte then resets it before the pause.

/// <summary>Forwards until <see cref="Arm"/>, then applies <paramref name="inner"/>.</summary>
internal sealed class ArmedFault(IFault inner) : IFault
{
    private volatile bool _armed;

    public void Arm() => _armed = true;

    public string Describe() => $"{inner.Describe()}, armed when the pause starts";

    public bool ConnectsToTarget => inner.ConnectsToTarget;

    public FaultAction OnConnect(Flow flow) => _armed ? inner.OnConnect(flow) : FaultAction.Forward;

    public ValueTask<FaultDecision> OnDataAsync(FaultContext context, CancellationToken cancellationToken) =>
        _armed ? inner.OnDataAsync(context, cancellationToken) : ValueTask.FromResult(FaultDecision.ForwardAll(context.Count));
}
