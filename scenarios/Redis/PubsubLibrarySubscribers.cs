using System.Diagnostics;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;
using static BrokenPipe.Scenarios.Redis.RedisPubsubSlowSubscriber;
using static BrokenPipe.Scenarios.Redis.PubsubBurst;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>redis-pubsub-slow-subscriber's StackExchange.Redis subscribers: the broken run's slow handlers and fixed (c)'s ChannelMessageQueue.</summary>
internal static class PubsubLibrarySubscribers
{
    /// <summary>
    /// Publishes the burst again and again, without a pause, until Redis drops a library subscriber (at most
    /// <see cref="LibraryBursts"/> bursts), then watches for the library's ConnectionFailed for a bounded while.
    /// </summary>
    internal static async Task WatchLibraryAsync(LabSandbox lab, RedisServer redis, byte[] bytes, int subscribers, CancellationToken ct)
    {
        var start = lab.Timeline.Now;
        List<LabEvent> Drops()
        {
            // Redis logs the hard limit the moment a write overflows: read the log now (synchronously) and look.
            redis.Flush();
            return [.. lab.Timeline.Snapshot().Where(e => e.Kind == EventKind.RedisOutputBufferLimit && e.At >= start)];
        }
        LabEvent? Dropped() => Drops().FirstOrDefault();
        // Until Redis has dropped every library subscriber (each version's), at most LibraryBursts bursts.
        await PublishBurstAsync(lab, redis, new(bytes) { Repeats = LibraryBursts, Stop = () => Drops().Count >= subscribers }, LibraryPublisher, ct);
        if (Dropped() is not { } drop) return;
        // The library's own view comes late, if at all: watch for it, bounded (the window is the observation, not a guess).
        await WaitOrNullAsync(
            lab,
            e => e.Kind == EventKind.LibraryConnectionFailed && e.Library?.ConnectionType == "Subscription",
            Max(LibraryWatch - (lab.Timeline.Now - drop.At), TimeSpan.Zero),
            "StackExchange.Redis's ConnectionFailed (Subscription)",
            ct);
    }

    /// <summary>
    /// Fixed (c): under the tight limit again, the library subscribers through a ChannelMessageQueue (2.x/3.x; a handler on
    /// 1.2.6): bursts until Redis drops each subscription (one that keeps up is stalled by SIGSTOP until it is), then each
    /// version's own report of it, bounded from Redis's line, and whether each one is subscribed again.
    /// </summary>
    internal static async Task QueueAsync(LabSandbox lab, RedisServer redis, SeRedisClient[] clients, CancellationToken ct)
    {
        var set = await redis.CommandAsync("CONFIG", "SET", "client-output-buffer-limit", $"pubsub {TightLimit}");
        lab.Timeline.Note(Side.Lab, $"CONFIG SET client-output-buffer-limit \"pubsub {TightLimit}\": {Resp.Render(set)}");
        await Task.WhenAll(clients.Select(c => c.SubscribeAsync(ChannelQ, HandlerWork, queue: true, cancellationToken: ct)));
        lab.Timeline.Note(Side.Lab, $"subscribed through StackExchange.Redis: 2.x/3.x through a ChannelMessageQueue whose consumer sleeps {HandlerWork.TotalMilliseconds:0} ms per message (1.2.6 has none: a handler)");
        var start = lab.Timeline.Now;
        Dictionary<string, LabEvent> Drops()
        {
            redis.Flush();
            return lab.Timeline.Snapshot().Where(e => e.Kind == EventKind.RedisOutputBufferLimit && e.At >= start && e.Redis?.Field("name") is { } n && clients.Any(c => c.Name == n))
                .GroupBy(e => e.Redis!.Field("name")!).ToDictionary(g => g.Key, g => g.First());
        }
        var burstQ = BurstBytes(ChannelQ);
        await PublishBurstAsync(lab, redis, new(burstQ) { Repeats = LibraryBursts, Stop = () => Drops().Count >= clients.Length }, LibraryPublisher, ct);
        // A subscriber that kept up with every burst (a queue lets the library read on; a quiet machine helps) is stalled
        // until Redis drops it: its whole process stops, as in a long GC pause, and runs again once Redis's line is in.
        foreach (var client in clients.Where(c => !Drops().ContainsKey(c.Name)))
        {
            Task burst;
            client.Pause();
            try
            {
                burst = PublishBurstAsync(lab, redis, new(burstQ), $"{LibraryPublisher}-stalled", ct);
                await WaitOrNullAsync(
                    lab,
                    e => e.Kind == EventKind.RedisOutputBufferLimit && e.Redis?.Field("name") == client.Name,
                    TimeSpan.FromSeconds(5),
                    $"Redis's limit line for the stalled {client.Name}",
                    ct);
            }
            finally
            {
                client.Resume();
            }
            await burst;
        }
        // Each client's report, bounded from Redis's line about it (for 1.2.6 the bound passing is the observation).
        foreach (var (name, drop) in Drops())
        {
            await WaitOrNullAsync(
                lab,
                e => e.Kind == EventKind.LibraryConnectionFailed && e.Actor == name && e.Library?.ConnectionType == "Subscription",
                Max(ReportBound(clients.First(c => c.Name == name).Version) - (lab.Timeline.Now - drop.At), TimeSpan.Zero),
                $"{name}'s ConnectionFailed (Subscription)",
                ct);
        }
        // Whether each client is subscribed again (a later burst may have dropped one again: wait for it, bounded).
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(3) && await redis.ClientsAsync() is var list && !clients.All(c => Resubscribed(c.Name, list, Drops().GetValueOrDefault(c.Name))))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
        }
        await redis.SnapshotAsync("CLIENT LIST", "id", "name", "flags", "sub");
    }

    /// <summary>
    /// Whether CLIENT LIST's clients include a pub/sub connection named <paramref name="name"/> with a subscription (the
    /// library also subscribes to a channel of its own), other than the one Redis <paramref name="dropped"/>.
    /// </summary>
    internal static bool Resubscribed(string name, IEnumerable<RedisObservation> clients, LabEvent? dropped) =>
        clients.Any(c => c.IsPubsub && c.Field("name") == name && c.Field("sub") is { } sub && sub != "0"
                         && (dropped is null || c.Field("id") != dropped.Redis?.Field("id")));
}
