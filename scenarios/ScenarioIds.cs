namespace BrokenPipe.Scenarios;

/// <summary>The stable ids: the catalog, the CLI and the tests all use these constants.</summary>
public static class ScenarioIds
{
    public const string FinVsRst = "fin-vs-rst";
    public const string Over8KbWrite = "over-8kb-write";
    public const string WriteThresholdSweep = "write-threshold-sweep";
    public const string ClientAbortMidStream = "client-abort-mid-stream";
    public const string StalledReader = "stalled-reader";
    public const string ClientTimeout = "client-timeout";
    public const string UnreadRequestBody = "unread-request-body";
}
