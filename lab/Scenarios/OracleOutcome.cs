namespace BrokenPipe.Lab.Scenarios;

/// <summary>What the packets say of a run's timeline (<see cref="WireOracle"/>).</summary>
internal enum OracleOutcome
{
    /// <summary>Every connection's first FIN or RST is on the timeline, and the first disconnect is the capture's.</summary>
    Agree,

    /// <summary>The timeline missed a close, or named another first closer than the packets do.</summary>
    Disagree,

    /// <summary>The capture cannot judge this run (not run here, no capture, traffic the capture cannot see).</summary>
    CannotJudge,
}
