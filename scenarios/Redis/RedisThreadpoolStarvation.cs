using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>
/// Sync Redis calls that block thread-pool threads while Redis restarts: StackExchange.Redis 3.x runs its own I/O on
/// the same pool, so its reconnect waits behind the application's blocked calls.
/// </summary>
internal static class RedisThreadpoolStarvation
{
    /// <summary>The app's rhythm: a request every 200 ms, each one SET.</summary>
    private static readonly TimeSpan Rhythm = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(3);

    /// <summary>
    /// What a healthy reconnect takes after Redis is back: the heartbeat (1 s) and, on 2.x/3.x, the exponential reconnect
    /// policy's next step (measured here: up to 3 s for 3.4.35 with async calls).
    /// </summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(4);

    /// <summary>How long the broken run watches a starved library after the restart (it restores tens of seconds late, or never in this window).</summary>
    private static readonly TimeSpan Late = TimeSpan.FromSeconds(6);

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisThreadpoolStarvation,
        "redis",
        "Sync Redis calls block thread-pool threads during a restart: StackExchange.Redis 3.x reconnects tens of seconds late",
        Seeds.Redis,
        new Story(
            Wire: "Each request runs a synchronous SET on a thread-pool thread (Task.Run, or any ASP.NET handler). Redis is killed and restarted 3 s later. While it is down, 2.x and 3.x hold every SET in their backlog for up to syncTimeout (5 s), so every request blocks a pool thread, and new requests keep coming. 1.2.6 fails each SET at once, blocks nothing, and reconnects within a second. 2.8.16 and 3.4.35 need pool threads to reconnect (their heartbeat timer; 3.x also its socket I/O, it has no dedicated threads any more), so the reconnect waits behind the blocked requests: ConnectionRestored comes seconds (2.8.16) to tens of seconds (3.4.35) late on a small machine, and the SETs time out meanwhile. With awaited async calls the same load blocks nothing.",
            Why: "Sync-over-async: a thread that waits for I/O that needs a thread from the same pool. The pool adds threads slowly (about one or two a second), and each new one picks up a queued request that blocks again.",
            Diagnose: "Timeouts whose message shows the pool busy ('WORKER: (Busy=…, Free=…)' with Busy far above Min) and a reconnect long after Redis was back; `dotnet-counters` shows threadpool-queue-length growing and the thread count creeping up.",
            Fix: "Call the library asynchronously (await StringSetAsync) from request handlers, or run sync calls on threads of your own, not the pool's; raising ThreadPool.SetMinThreads only moves the cliff."),
        Broken: new ScenarioVariant(
            "a sync SET on a pool thread every 200 ms, Redis killed and back 3 s later: 1.2.6 raises ConnectionRestored within 4 s of Redis answering again; 2.8.16 and 3.4.35 not within 4 s (their reconnect waits for the pool)",
            // the outage, then the watch for the starved library
            Outage + Late,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                LibraryRun.Each(
                    "1.2.6 and 2.8.16: ConnectionFailed (Interactive) within 1 s of the kill; 3.4.35: ConnectionFailed (Interactive) after it, late when the pool is starved (3.x raises it on the pool: 0.2 s alone, 1.7 s seen with other test runs beside it)",
                    run => Kill(run.Events) is { } kill && run.Of(EventKind.LibraryConnectionFailed).Any(e => e.Library?.ConnectionType == "Interactive" && e.At >= kill.At &&
                        (run.Version == SeRedisVersion.V3_4_35 || e.At - kill.At <= TimeSpan.FromSeconds(1)))),
                LibraryRun.Each(
                    $"1.2.6: ConnectionRestored (Interactive) within {Prompt.TotalSeconds:0} s of Redis answering again; 2.8.16 and 3.4.35: not within {Prompt.TotalSeconds:0} s (late, or not within the {Late.TotalSeconds:0} s watch)",
                    run => run.Version.HasBacklog()
                        ? RestoredAfter(run) is not { } late || late > Prompt
                        : RestoredAfter(run) <= Prompt),
            ]),
        Fixed: new ScenarioVariant(
            "the same requests with awaited async SETs (nothing blocks a pool thread): every version raises ConnectionRestored within 4 s of Redis answering again and its SETs succeed again",
            Outage + Prompt,
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                LibraryRun.Each(
                    $"every version: ConnectionRestored (Interactive) within {Prompt.TotalSeconds:0} s of Redis answering again, and a SET succeeds after it",
                    run => RestoredAfter(run) <= Prompt && run.Of(EventKind.CommandSucceeded).Any(e => Restart(run.Events) is { } r && e.At > r.At)),
            ]))
    {
        Timeout = TimeSpan.FromMinutes(1),
    };

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var redis = await RedisServer.StartAsync(lab, cancellationToken: ct);
        var clients = await SeRedisClient.ConnectEachAsync(lab, redis.Endpoint, cancellationToken: ct);
        var mode = broken ? SeRedisCallMode.SyncOnPool : SeRedisCallMode.Async;
        var loops = clients.Select(c => (Client: c, Loop: c.StartLoop(new SeRedisLoop("SET", ["k", "v"], mode, Rhythm, 1000)))).ToList();
        await Task.WhenAll(clients.Select(c => lab.Timeline.WaitForAsync(EventKind.CommandSucceeded, TimeSpan.FromSeconds(5), Side.Client, c.Name, ct)));

        var before = lab.Timeline.Now;
        await redis.KillAsync(ct);
        var killed = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.RedisKilled && e.At >= before, TimeSpan.FromSeconds(1), "the kill", ct);
        var left = Outage - (lab.Timeline.Now - killed.At);
        if (left > TimeSpan.Zero) await Task.Delay(left, ct); // how long Redis stays down is the story
        var restart = lab.Timeline.Note(Side.Lab, $"outage over after {(lab.Timeline.Now - killed.At).TotalSeconds:0.0} s: redis-server starts again on the same port", "outage");
        await redis.RestartAsync(ct);

        // Each library's reconnect, bounded: a starved one is watched for the whole window, not forever.
        var window = broken ? Late : Prompt + TimeSpan.FromSeconds(2);
        await Task.WhenAll(clients.Select(async c =>
        {
            try
            {
                await lab.Timeline.WaitForAsync(
                    e => e.Kind == EventKind.LibraryConnectionRestored && e.Actor == c.Name && e.At > restart.At && e.Library?.ConnectionType == "Interactive",
                    window - (lab.Timeline.Now - restart.At),
                    $"ConnectionRestored after the restart [{c.Name}]",
                    ct);
            }
            catch (TimelineTimeoutException)
            {
                lab.Timeline.Note(Side.Lab, $"no ConnectionRestored within {window.TotalSeconds:0} s of the restart", c.Name);
            }
        }));
        if (!broken)
        {
            // The backlogged SETs drain on the new connection.
            await Task.WhenAll(clients.Select(c => lab.Timeline.WaitForAsync(e => e.Kind == EventKind.CommandSucceeded && e.Actor == c.Name && e.At > restart.At, TimeSpan.FromSeconds(5), $"a SET after the restart [{c.Name}]", ct)));
        }
        foreach (var (client, loop) in loops) client.Stop(loop.Handle);
    }

    private static LabEvent? Kill(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(On.Kind(EventKind.RedisKilled));

    private static LabEvent? Restart(IReadOnlyList<LabEvent> events) => events.FirstOrDefault(e => e.Kind == EventKind.Note && e.Actor == "outage");

    /// <summary>Redis answering PING again after the restart (a container's restart takes about a second, a process's a few ms).</summary>
    private static LabEvent? Back(IReadOnlyList<LabEvent> events) =>
        Restart(events) is { } restart ? events.FirstOrDefault(e => e.Kind == EventKind.PartStarted && e.Actor == "redis" && e.At > restart.At) : null;

    /// <summary>From Redis answering again to the client's first ConnectionRestored (Interactive) after it, or null.</summary>
    private static TimeSpan? RestoredAfter(LibraryRun run) =>
        Restart(run.Events) is { } restart && Back(run.Events) is { } back &&
        run.Of(EventKind.LibraryConnectionRestored).FirstOrDefault(e => e.At > restart.At && e.Library?.ConnectionType == "Interactive") is { } restored
            ? restored.At - back.At
            : null;
}
