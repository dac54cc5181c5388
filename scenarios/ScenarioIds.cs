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
    public const string IngressTimeout = "ingress-timeout";
    public const string IngressTimeout60s = "ingress-timeout-60s";
    public const string ProxyClientAbort = "proxy-client-abort";
    public const string SlowUpstreamBody = "slow-upstream-body";
    public const string UpstreamKeepaliveRace = "upstream-keepalive-race";
    public const string NodeKeepaliveRace = "node-upstream-keepalive-race";
    public const string RedisPubsubSlowSubscriber = "redis-pubsub-slow-subscriber";
    public const string RedisIdleTimeout = "redis-idle-timeout";
    public const string RedisCrashRestart = "redis-crash-restart";
    public const string RedisBigReply = "redis-big-reply";
    public const string RedisClientKill = "redis-client-kill";
    public const string RedisThreadpoolStarvation = "redis-threadpool-starvation";
    public const string RedisQueryBufferLimit = "redis-query-buffer-limit";
    public const string RedisIdleCloseBusyApp = "redis-idle-close-busy-app";
    public const string RedisOomKill = "redis-oom-kill";
    public const string LbIdleResetHttp = "lb-idle-reset-http";
    public const string RedisIdleDrop = "redis-idle-drop";
    public const string RedisIdleReset = "redis-idle-reset";
    public const string DockerProxyHidesReset = "docker-proxy-hides-reset";
    public const string ResetMidBody = "reset-mid-body";
    public const string NatIdleDrop = "nat-idle-drop";
    public const string HalfClose = "half-close";
}
