using System.Diagnostics;

namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>One client connection through the middlebox, as the faults see it: its number, byte counts and idle time (read-only; a fault keeps its own state).</summary>
public sealed class Flow
{
    private readonly Stopwatch _sinceActivity = Stopwatch.StartNew();
    private readonly Stopwatch _sinceFirstByte = new();
    private long _upstream;
    private long _downstream;

    internal Flow(int number) => Number = number;

    /// <summary>How many FINs the middlebox has passed on for this flow (the second answers the first).</summary>
    internal int FinsRelayed;

    /// <summary>1 for the middlebox's first connection, 2 for the second, …</summary>
    public int Number { get; }

    public long Upstream => Interlocked.Read(ref _upstream);

    public long Downstream => Interlocked.Read(ref _downstream);

    public long Bytes(Direction direction) => direction == Direction.Upstream ? Upstream : Downstream;

    /// <summary>How long since the last byte in either direction (or since the connection, before any byte).</summary>
    public TimeSpan Idle
    {
        get
        {
            lock (_sinceActivity) return _sinceActivity.Elapsed;
        }
    }

    /// <summary>Time since the first byte in either direction (zero before it).</summary>
    public TimeSpan SinceFirstByte => _sinceFirstByte.Elapsed;

    /// <summary>Set by the middlebox once a fault has dropped a chunk: the flow stays open and silent until it stops.</summary>
    internal bool Blackholed { get; set; }

    /// <summary>Cancelled when a fault's decision asks for the flow to be reset on a timer (<see cref="FaultDecision.ResetAfter"/>).</summary>
    internal CancellationTokenSource ResetTimer { get; } = new();

    internal void Count(Direction direction, int bytes)
    {
        if (direction == Direction.Upstream) Interlocked.Add(ref _upstream, bytes);
        else Interlocked.Add(ref _downstream, bytes);
        lock (_sinceActivity) _sinceActivity.Restart();
        if (!_sinceFirstByte.IsRunning) _sinceFirstByte.Start();
    }
}
