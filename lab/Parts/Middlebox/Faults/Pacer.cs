using System.Diagnostics;

namespace BrokenPipe.Lab.Parts.Middlebox.Faults;

/// <summary>
/// One flow's rate-limited link, owned by <see cref="BandwidthFault"/>: each direction is a queue of its own that
/// starts when a chunk arrives or when the previous one has left, whichever is later — idle time is not saved up.
/// </summary>
internal sealed class Pacer(double bytesPerSecond)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan[] _free = new TimeSpan[2];
    private readonly Lock _gate = new();

    /// <summary>How long until a chunk of <paramref name="bytes"/> arriving now in <paramref name="direction"/> may leave.</summary>
    public TimeSpan Until(Direction direction, int bytes)
    {
        lock (_gate)
        {
            var now = _clock.Elapsed;
            var start = _free[(int)direction] > now ? _free[(int)direction] : now;
            _free[(int)direction] = start + TimeSpan.FromSeconds(bytes / bytesPerSecond);
            return _free[(int)direction] - now;
        }
    }
}
