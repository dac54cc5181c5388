using BrokenPipe.Lab.Capture;

namespace BrokenPipe.Scenarios.Tests.Capture;

/// <summary>
/// The packet oracle's suite test: it runs where a capture can be taken and BROKENPIPE_LAB_ORACLE=1 asks for it
/// (bench/oracle.sh judges the whole catalog). Not yet in the default run: alone and on a quiet machine it still missed
/// now and then (2026-12-07: 2 of 5 CI-like runs, each a different scenario whose close events the oracle matches by side
/// and time rather than by connection), and a red that is not a defect of the run would make the suite untrustworthy.
/// </summary>
public sealed class OracleFactAttribute : FactAttribute
{
    public OracleFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("BROKENPIPE_LAB_ORACLE") != "1") Skip = "the packet oracle's test runs with BROKENPIPE_LAB_ORACLE=1 (bench/oracle.sh judges the whole catalog)";
        else if (PacketCapture.Unavailable is { } reason) Skip = reason;
    }
}
