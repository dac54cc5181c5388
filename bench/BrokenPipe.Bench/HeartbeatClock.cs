namespace BrokenPipe.Bench;

/// <summary>
/// Kestrel's heartbeat seen from outside, on the lab's clock. Kestrel closes an idle keep-alive connection on a tick of
/// its 1 s heartbeat, and logs "sending FIN" right then: each such FIN is an observation of a tick. The ticks are
/// <c>phase + k × period</c>; the period is a little over 1 s (the heartbeat sleeps 1 s between ticks, so it drifts by
/// a fraction of a millisecond per tick), which is why it is learned too and why every prediction starts from a tick
/// observed one period before.
/// </summary>
internal sealed class HeartbeatClock
{
    /// <summary>Kestrel's heartbeat interval, the period before any has been measured.</summary>
    public const double NominalPeriodMs = 1000;

    /// <summary>Period samples kept: enough for a steady median, few enough to follow a slow change of the drift.</summary>
    private const int Samples = 24;

    private readonly Queue<double> _periods = new();
    private double? _lastTickMs;
    private bool _lastWasCold;

    /// <summary>The latest observed tick (lab clock, ms); null before the first observation.</summary>
    public double? LastTickMs => _lastTickMs;

    /// <summary>The median period between two ticks so far, in ms.</summary>
    public double PeriodMs => _periods.Count == 0 ? NominalPeriodMs : Stats.Median(_periods);

    /// <summary>
    /// Notes an observed tick; with the previous one (up to 10 ticks before) it gives a period sample. A
    /// <paramref name="cold"/> observation (the first FIN in the process, logged late by JIT) sets the phase but gives no sample.
    /// </summary>
    public void Observe(double tickMs, bool cold = false)
    {
        if (_lastTickMs is { } last && tickMs > last && !cold && !_lastWasCold)
        {
            var ticks = Math.Round((tickMs - last) / NominalPeriodMs);
            if (ticks is >= 1 and <= 10)
            {
                _periods.Enqueue((tickMs - last) / ticks);
                if (_periods.Count > Samples) _periods.Dequeue();
            }
        }
        if (_lastTickMs is null || tickMs > _lastTickMs)
        {
            _lastTickMs = tickMs;
            _lastWasCold = cold;
        }
    }

    /// <summary>The first moment <c>tick + offset</c> (a predicted tick plus <paramref name="offsetMs"/>) at or after <paramref name="notBeforeMs"/>.</summary>
    public double Next(double offsetMs, double notBeforeMs)
    {
        var phase = _lastTickMs ?? throw new InvalidOperationException("no tick observed yet");
        var k = Math.Ceiling((notBeforeMs - offsetMs - phase) / PeriodMs);
        return phase + (k * PeriodMs) + offsetMs;
    }
}
