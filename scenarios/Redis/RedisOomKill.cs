using System.Text.Json.Nodes;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>Seed 003: Redis OOM-killed by the kernel under a memory limit (every connection gone at once), and maxmemory as the fix.</summary>
internal static class RedisOomKill
{
    private const long CgroupLimit = 64L << 20;
    private const string OomWords = "OOM command not allowed when used memory > 'maxmemory'";

    /// <summary>Each application fails fast while Redis is down, so what it says comes at once (the libraries' defaults would wait or queue).</summary>
    private static readonly RedisClientOptions Options = new()
    {
        SeRedis = new SeRedisOptions { FailFast = true },
        Library = new Dictionary<string, JsonObject>
        {
            ["redis-py"] = new() { ["single_connection_client"] = true },
            ["ioredis"] = new() { ["maxRetriesPerRequest"] = 1 },
            ["node-redis"] = new() { ["disableOfflineQueue"] = true },
        },
    };

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisOomKill,
        "redis",
        "Redis grows past its memory cgroup's limit: the kernel OOM-kills it and every connection ends at once",
        Seeds.Redis,
        new Story(
            Wire: "redis-server runs in a memory cgroup limited to 64 MB (a child of the lab's own: cgroup v1 memory.limit_in_bytes, or v2 memory.max) and has no maxmemory. Writes fill it; past the limit the kernel's OOM killer kills it with SIGKILL and logs 'Memory cgroup out of memory: Killed process N (redis-server)'. Redis logs nothing. The kernel closes every socket of the dead process with a FIN, so every client sees its connection end at the same moment, then 'connection refused' until Redis is back: redis-py 'Connection closed by server.', node-redis 'Socket closed unexpectedly', ioredis 'connect ECONNREFUSED', StackExchange.Redis ConnectionFailed.",
            Why: "Redis keeps everything in memory and by default never refuses a write (maxmemory 0). Under a container's or cgroup's limit, or on a host that runs out, it is the biggest process and the OOM killer's choice. A host-wide OOM logs 'Out of memory: Killed process …'; under a cgroup the line starts 'Memory cgroup out of memory:'.",
            Diagnose: "dmesg / the kernel log: 'Killed process N (redis-server)'; the container's state OOMKilled=true (docker inspect); memory.oom_control's oom_kill counter (v1) or memory.events (v2); INFO memory's used_memory against the limit; every client of the instance failing in the same millisecond, the Redis log silent.",
            Fix: "Give Redis a maxmemory well below the limit (leave room for fragmentation, buffers and forks) and a policy: noeviction makes writes fail with Redis's own OOM error and keeps every connection; allkeys-lru or volatile-lru evict keys instead."),
        Broken: new ScenarioVariant(
            "a 64 MB memory cgroup, no maxmemory, writes until it is full: the kernel logs 'Memory cgroup out of memory: Killed process N (redis-server)'; every client's next GET fails (redis-py 'Connection closed by server.', node-redis 'Socket closed unexpectedly', ioredis 'connect ECONNREFUSED', StackExchange.Redis ConnectionFailed)",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, broken: true, ct),
            [
                Expect.Event("the kernel logs 'Memory cgroup out of memory: Killed process N (redis-server)'", e => e.Kind == EventKind.RedisKilled && e.Verbatim?.Contains("Memory cgroup out of memory: Killed process", StringComparison.Ordinal) == true),
                .. ClientRun.Expect(
                    new("redis-py", "the GET fails with 'Connection closed by server.' (the kernel's FIN)", r => r.FailedWith("Connection closed by server.").Any()),
                    new("node-redis", "error 'Socket closed unexpectedly'; the GET fails (offline queue off)", r => r.Said("Socket closed unexpectedly").Any() && Failed(r, "GET")),
                    new("ioredis", "'[ioredis] Unhandled error event: Error: connect ECONNREFUSED …' while it retries; the GET fails (maxRetriesPerRequest 1)", r => r.Said("connect ECONNREFUSED").Any() && Failed(r, "GET")),
                    new("se-redis", "ConnectionFailed; the GET fails (FailFast)", r => r.Of(EventKind.LibraryConnectionFailed).Any() && Failed(r, "GET"))),
            ]),
        Fixed: new ScenarioVariant(
            $"the same cgroup, maxmemory 16mb with noeviction: the writes stop with '{OomWords}', Redis lives; every client's SET gets that error, its GET succeeds, no connection breaks",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, broken: false, ct),
            [
                Expect.No("the kernel kills nothing", On.Kind(EventKind.RedisKilled)),
                .. ClientRun.Expect(new ClientExpectation(ClientExpectation.Every, $"the SET fails with Redis's '{OomWords}'; the GET succeeds; no connection failure",
                    r => r.FailedWith(OomWords).Any(e => e.Library?.Command == "SET") && r.Of(EventKind.CommandSucceeded).Any(e => e.Library?.Command == "GET") && !r.Mine.Any(e => e.Failure is not null))),
            ]))
    {
        Unavailable = RedisServer.MemoryLimitUnavailable,
        Produces = [Signature.Logs("Memory cgroup out of memory: Killed process"), Signature.Logs("Connection closed by server.", RedisClientKinds.RedisPy)],
    };

    private static bool Failed(ClientRun run, string command) => run.Of(EventKind.CommandFailed).Any(e => e.Library?.Command == command);

    private static async Task RunAsync(LabSandbox lab, bool broken, CancellationToken ct)
    {
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { MemoryLimit = CgroupLimit, MaxMemory = broken ? null : "16mb", MaxMemoryPolicy = broken ? null : "noeviction" }, ct);
        var clients = await RedisClient.ConnectEachAsync(lab, redis.Endpoint, Options, ct);
        lab.Timeline.Note(Side.Lab, $"filling: {await FillAsync(redis)}");
        if (broken)
        {
            await redis.WaitForOomKillAsync(TimeSpan.FromSeconds(10), ct);
            await Task.WhenAll(clients.Select(c => c.RunAsync("GET", ["k"], cancellationToken: ct)));
            return;
        }
        await Task.WhenAll(clients.Select(async c =>
        {
            await c.RunAsync("SET", ["k", "v"], cancellationToken: ct);
            await c.RunAsync("GET", ["k"], cancellationToken: ct);
        }));
    }

    /// <summary>Writes 20000 keys of 100 bytes per EVAL (each call is checked against maxmemory when it starts) until Redis refuses or is gone.</summary>
    private static async Task<string> FillAsync(RedisServer redis)
    {
        const string script = "for i = 1, 20000 do redis.call('SET', ARGV[1] .. i, string.rep('x', 100)) end return 1";
        for (var batch = 0; batch < 400; batch++)
        {
            try
            {
                if (await redis.CommandAsync("EVAL", script, "0", $"fill:{batch}:") is RespError error) return $"{batch} batches, then: {error.Message}";
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
            {
                return $"{batch} batches, then the connection ended ({e.GetType().Name})";
            }
        }
        return "400 batches without a limit";
    }
}
