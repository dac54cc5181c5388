using System.Diagnostics;

namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>One client connection through the middlebox, as the faults see it.</summary>
public sealed class Flow
{
    private readonly Stopwatch _sinceActivity = Stopwatch.StartNew();
    private readonly Stopwatch _sinceFirstByte = new();
    private long _upstream;
    private long _downstream;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan[] _paceFree = new TimeSpan[2];

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

    /// <summary>Set by a fault that has started to discard everything on this flow.</summary>
    public bool Blackholed { get; set; }

    /// <summary>Cancelled when a fault asks for the flow to be reset on a timer (<see cref="ResetAfter"/>).</summary>
    internal CancellationTokenSource ResetTimer { get; } = new();

    /// <summary>Asks the middlebox to reset both sides of this flow after <paramref name="delay"/> (a timer, not data, triggers it).</summary>
    public void ResetAfter(TimeSpan delay) => ResetTimer.CancelAfter(delay);

    /// <summary>
    /// Pacing for a rate-limited link: the time this chunk may leave. Each direction is a queue of its own that starts
    /// when the chunk arrives or when the previous one has left, whichever is later — idle time is not saved up.
    /// </summary>
    public TimeSpan PaceUntil(Direction direction, int bytes, double bytesPerSecond)
    {
        lock (_paceFree)
        {
            var now = _clock.Elapsed;
            var start = _paceFree[(int)direction] > now ? _paceFree[(int)direction] : now;
            _paceFree[(int)direction] = start + TimeSpan.FromSeconds(bytes / bytesPerSecond);
            return _paceFree[(int)direction] - now;
        }
    }

    internal void Count(Direction direction, int bytes)
    {
        if (direction == Direction.Upstream) Interlocked.Add(ref _upstream, bytes);
        else Interlocked.Add(ref _downstream, bytes);
        lock (_sinceActivity) _sinceActivity.Restart();
        if (!_sinceFirstByte.IsRunning) _sinceFirstByte.Start();
    }
}
