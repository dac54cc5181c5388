using BrokenPipe.Scenarios.Docker;
using BrokenPipe.Scenarios.Http;
using BrokenPipe.Scenarios.Middlebox;
using BrokenPipe.Scenarios.Proxy;
using BrokenPipe.Scenarios.Redis;

namespace BrokenPipe.Scenarios;

/// <summary>Every scenario the lab ships, in the order the catalog runs them.</summary>
public static class Catalog
{
    public static IReadOnlyList<Scenario> All { get; } =
    [
        FinVsRst.Definition,
        Over8KbWrite.Definition,
        WriteThresholdSweep.Definition,
        ClientAbortMidStream.Definition,
        StalledReader.Definition,
        ClientTimeout.Definition,
        UnreadRequestBody.Definition,
        IngressTimeout.Definition,
        IngressTimeout.Definition60s,
        ProxyClientAbort.Definition,
        SlowUpstreamBody.Definition,
        UpstreamKeepaliveRace.Definition,
        NodeKeepaliveRace.Definition,
        RedisPubsubSlowSubscriber.Definition,
        RedisIdleTimeout.Definition,
        RedisCrashRestart.Definition,
        RedisBigReply.Definition,
        RedisClientKill.Definition,
        RedisThreadpoolStarvation.Definition,
        RedisQueryBufferLimit.Definition,
        RedisIdleCloseBusyApp.Definition,
        RedisOomKill.Definition,
        LbIdleResetHttp.Definition,
        RedisIdleDrop.Definition,
        RedisIdleReset.Definition,
        NatIdleDrop.Definition,
        ResetMidBody.Definition,
        DockerProxyHidesReset.Definition,
        HalfClose.Definition,
    ];

    /// <summary>The quick catalog: what <c>run --all</c> and a bare invocation run.</summary>
    public static IEnumerable<Scenario> Fast => All.Where(s => !s.Slow);

    public static Scenario? Find(string id) => All.FirstOrDefault(s => s.Id == id);
}
