using System.Runtime.InteropServices;

namespace BrokenPipe.Bench;

/// <summary>
/// Waits until a moment to within some tens of microseconds without holding a CPU: <c>nanosleep()</c> with the
/// thread's timer slack set to 1 µs (the default 50 µs slack, and .NET's whole-millisecond <c>Thread.Sleep</c>, are
/// too coarse), then a spin of at most <see cref="SpinMs"/>. A spin of milliseconds would not do: on a 2-CPU machine it
/// takes one CPU from Kestrel and nginx at the very tick being measured, delays Kestrel's close, and widens the window.
/// Linux only, like the lab; it blocks the calling thread, so callers give it a thread of its own.
/// </summary>
internal static unsafe partial class PreciseWait
{
    /// <summary>The last stretch, spun rather than slept: a thread woken from a sleep is running again within this, mostly.</summary>
    public const double SpinMs = 0.15;

    private const int PR_SET_TIMERSLACK = 29;

    /// <summary>Sleeps at most this long at a time, so that a cancellation is seen.</summary>
    private const double SliceMs = 50;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep", SetLastError = true)]
    private static partial int NanoSleep(Timespec* request, Timespec* remaining);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>Blocks until <paramref name="nowMs"/> reads <paramref name="atMs"/> or later.</summary>
    public static void Until(Func<double> nowMs, double atMs, CancellationToken cancellationToken)
    {
        // Per thread: only the caller's own thread gets the fine timer slack.
        Prctl(PR_SET_TIMERSLACK, 1000, 0, 0, 0);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rest = atMs - SpinMs - nowMs();
            if (rest <= 0) break;
            var ns = (long)(Math.Min(rest, SliceMs) * 1_000_000);
            var request = new Timespec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
            NanoSleep(&request, null); // EINTR or not, the loop measures again
        }
        while (nowMs() < atMs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Thread.SpinWait(10);
        }
    }
}
