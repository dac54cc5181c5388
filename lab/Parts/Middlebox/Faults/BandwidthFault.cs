namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

// On the wire: each direction of each flow is paced to B bytes per second (a slow link). The middlebox reads no
// faster than it forwards, so TCP's flow control pushes back on the sender: its writes block once the buffers are
// full. Nothing is dropped or closed.

/// <summary>Limits each direction to B bytes/s.</summary>
public sealed class BandwidthFault(double bytesPerSecond) : IFault
{
    public double BytesPerSecond { get; } = bytesPerSecond;

    public string Describe() => $"bandwidth {BytesPerSecond:0} bytes/s";

    public async ValueTask<(FaultAction Action, int Forward)> OnDataAsync(Flow flow, Direction direction, int count, CancellationToken cancellationToken)
    {
        var due = flow.PaceUntil(direction, count, BytesPerSecond);
        if (due > TimeSpan.Zero) await Task.Delay(due, cancellationToken).ConfigureAwait(false);
        return (FaultAction.Forward, count);
    }
}
