using System.Diagnostics;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;
using static BrokenPipe.Scenarios.Redis.PubsubBurst;
using static BrokenPipe.Scenarios.Redis.PubsubLibrarySubscribers;
using static BrokenPipe.Scenarios.Redis.PubsubTimeline;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>Seed 003, cause 1: a pub/sub subscriber that falls behind a burst overflows its output-buffer limit; Redis drops it with the messages in its buffer.</summary>
internal static class RedisPubsubSlowSubscriber
{
    internal const string ChannelName = "ch";

    /// <summary>Fixed (b)'s channel, so that (a)'s reader, still subscribed while its worker works, gets none of (b)'s burst. Same length: same frames.</summary>
    internal const string ChannelB = "cb";

    /// <summary>Fixed (c)'s channel: the library subscribers through a ChannelMessageQueue, after (a) and (b).</summary>
    internal const string ChannelQ = "cq";
    internal const int Messages = 20_000;
    internal const int PayloadBytes = 1024;

    // The counts the checks read, as typed measurements on the events that report them.
    internal const string DeliveredMessages = "delivered-messages";
    internal const string ReadMessages = "read-messages";
    internal const string ProcessedMessages = "processed-messages";
    internal const int PublisherWrites = 4;
    internal const int LibraryBursts = 8;
    internal const int ReadBytes = 1 << 20;
    internal const int ReadBuffers = 24;
    internal const string TightLimit = "1mb 256kb 2";
    internal const string SizedLimit = "64mb 32mb 60";
    internal const string HeadroomLimit = "12mb 4mb 2";
    internal const long HeadroomHardBytes = 8L << 20;
    internal const string SampleField = "client_recent_max_output_buffer";

    // Actors on the timeline.
    internal const string RawSubscriber = "subscriber";
    internal const string LibrarySubscriber = "se-redis";
    internal const string LibraryPublisher = "publisher-lib";
    internal const string Backlogged = "se-redis-backlog";
    internal const string Reader = "reader";
    internal const string Worker = "worker";

    /// <summary>How long the broken run watches for StackExchange.Redis's own ConnectionFailed after Redis dropped it.</summary>
    internal static readonly TimeSpan LibraryWatch = TimeSpan.FromSeconds(4);

    /// <summary>Fixed (c): how soon after Redis's limit line a ChannelMessageQueue subscriber's ConnectionFailed must come (measured: 60 ms to 1.8 s under load, bench/results.md).</summary>
    internal static readonly TimeSpan QueueReportBound = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The same for 2.8.16, which reports later on a loaded machine: 74 ms to 1.8 s at load up to 23 (bench/results.md),
    /// 10.9 s once with the whole quick test suite beside it. Still a report, where 1.2.6 gives none.
    /// </summary>
    internal static readonly TimeSpan QueueReportBoundV2 = TimeSpan.FromSeconds(15);

    internal static TimeSpan ReportBound(SeRedisVersion version) => version == SeRedisVersion.V2_8_16 ? QueueReportBoundV2 : QueueReportBound;

    /// <summary>The work the library subscriber's handler does per message (a sleep: a call to another service, say).</summary>
    internal static readonly TimeSpan HandlerWork = TimeSpan.FromMilliseconds(10);

    /// <summary>The bound on a subscriber's silence while it drains (the broken one ends on EOF, fixed (b)'s on the last delivered byte).</summary>
    internal static readonly TimeSpan DrainQuiet = TimeSpan.FromSeconds(0.5);

    /// <summary>Fixed (a)'s worker does the application's work: 1 ms per 100 messages, 200 ms for the burst.</summary>
    internal static readonly TimeSpan WorkerWork = TimeSpan.FromMilliseconds(Messages / 100);

    internal static readonly string Payload = new('m', PayloadBytes);

    /// <summary>One pushed message on the wire: *3 $7 message $2 ch $1024 … — 1058 bytes, the same for every message.</summary>
    internal static readonly int FrameBytes = Resp.Encode(["message", ChannelName, Payload]).Length;

    public static Scenario Definition { get; } = new(
        ScenarioIds.RedisPubsubSlowSubscriber,
        "redis",
        "A pub/sub subscriber falls behind a 20 MB burst: Redis drops it at the output-buffer limit, and the messages it had buffered are lost",
        Seeds.Redis,
        new Story(
            Wire: $"With `client-output-buffer-limit pubsub {TightLimit}`, a publisher pipelines {Messages} × 1 KB PUBLISH (~0.1 s) to a subscriber that is not reading. Redis writes into the subscriber's socket until the kernel's buffers are full (~3.5–4 MB: the client's receive buffer plus Redis's autotuned send queue), then queues in its own output buffer; past 1 MB, tens of ms into the burst, it logs 'Client … flags=P … sub=1 … omem=1066208 … cmd=subscribe … scheduled to be closed ASAP for overcoming of output buffer limits.' (the hard limit) and closes the connection (FIN). PUBLISH returns :1 while the subscriber exists and :0 after. When the subscriber reads again it gets what the kernel held — thousands of messages — then EOF; the ~1000 messages that were in Redis's buffer never arrive, and nothing in the stream says so. StackExchange.Redis (every version) with a slow handler (10 ms per message) is dropped the same way: Redis closes its subscription connection, and the messages in the buffer are lost. The application hears nothing for seconds: 1.2.6 never raises ConnectionFailed for it, 2.8.16 and 3.4.35 raise it seconds late, queued behind thousands of handler calls on the thread pool (3.4.35 logs the close at once, through its ILogger only).",
            Why: "Redis never blocks on a slow client: it buffers the client's output and drops the client past `client-output-buffer-limit` (pubsub default 32mb 8mb 60; operators often set it lower). Pub/sub has no acknowledgement and no replay, so the dropped client's buffered messages, and everything published until it resubscribes, are gone. Any subscriber that reads slower than the publishers write — work done inline in the reading loop, a GC pause, a starved thread pool — hits the limit under a burst; the tighter the limit, the less of a stall it takes (1 MB is ~5 ms of this burst).",
            Diagnose: $"The Redis log line names the client (flags=P, sub=, cmd=subscribe, and name= if the client set one) and its buffer (omem=); it is the only trace — Redis 7.0 has no counter for these disconnections. `INFO clients` {SampleField} only samples live clients (from the cron, every ~100 ms, kept for 8 s): after a hard-limit kill it mostly reads 0, at times a partial size a tick caught during the few-ms fill, never the 1 066 208 that got the client killed; it shows the size only when the client lived long enough to be sampled (a soft-limit close, or a big buffer that drained). Compare PUBLISH's return values (receivers) with what the subscriber handled. With StackExchange.Redis, do not date the disconnect by ConnectionFailed: it comes out behind the message backlog.",
            Fix: $"Keep the socket reader doing nothing but read — a thread of its own, 1 MB blocking reads into preallocated buffers handed to an in-memory Channel<T>, a worker doing the slow work — and leave Redis's buffer headroom for that reader's scheduling hiccups: under `pubsub {HeadroomLimit}` it took the whole burst, where the stalled reader needed ~17.6 MB; at 1 MB (~5 ms of this burst, ~25 ms with the kernel's buffers) even that reader loses the race now and then on a busy machine. Or size the limit for a reader that stalls through the whole burst (`pubsub {SizedLimit}`: ~17.6 MB held, drained without loss), knowing it is memory Redis spends per slow subscriber. If messages must not be lost, use a Stream (XADD/XREADGROUP) instead of pub/sub. With StackExchange.Redis 2.x/3.x, subscribe through a ChannelMessageQueue (`subscriber.Subscribe(channel).OnMessage(handler)`: one ordered consumer, off the thread pool's backlog): the library keeps reading while the consumer works, and when Redis drops it anyway (a tight limit, long bursts) it raises ConnectionFailed (Subscription) once it has read what the kernel still held — tens of ms after Redis's line on a quiet machine, a second or so on a loaded one, instead of seconds late behind queued handlers — and resubscribes; the messages in Redis's buffer are still lost. 1.2.6 has no ChannelMessageQueue: Redis drops it, it resubscribes without raising ConnectionFailed or ConnectionRestored, and only Redis's log tells."),
        Broken: new ScenarioVariant(
            $"pubsub {TightLimit}, {Messages} × 1 KB burst: Redis logs the hard limit for the raw subscriber, INFO's {SampleField} afterwards does not show the buffer that got it killed, the subscriber reads thousands of messages then EOF — fewer than PUBLISH delivered; the StackExchange.Redis subscribers (every version) with a slow handler are dropped too, and none reports it within a second",
            // The window in which the run watches for the library's ConnectionFailed: it comes later than that.
            LibraryWatch,
            RunBrokenAsync,
            [
                Expect.That(
                    "Redis logs the raw subscriber's pub/sub output-buffer limit (flags=P, its addr=), the hard one ('scheduled to be closed ASAP')",
                    events => RawDrop(events) is { Redis: { HardLimit: true, IsPubsub: true } }),
                Expect.That(
                    "the hard limit hit within 1 s of the burst's start (measured: tens of ms)",
                    // From the publisher's connect, recorded just before its first write: the write's own event is recorded when
                    // send() returns, and Redis may overflow the subscriber (and the log tail record it) before that (1 run in 20).
                    events => RawDrop(events) is { } drop && On.Within(events, e => e.Kind == EventKind.Connected && e.Actor == "publisher", e => e == drop, TimeSpan.FromSeconds(1))),
                Expect.That(
                    $"INFO clients after the hard-limit kill: {SampleField} is below the omem= of Redis's line — the buffer that got the client killed was never sampled (it reads 0 unless a cron tick fell inside the few-ms fill)",
                    events => RawDrop(events)?.Redis?.Number("omem") is { } omem && SampledBuffer(events) < omem),
                Expect.That(
                    "the raw subscriber then reads what the kernel had buffered (over 1000 whole messages), then EOF",
                    events => Read(events, RawSubscriber) > 1000 && events.Any(e => e.Kind == EventKind.EndOfStream && e.Actor == RawSubscriber)),
                Expect.That(
                    "messages are lost: PUBLISH returned :1 (delivered to the subscriber) for more messages than the subscriber read",
                    events => Delivered(events, "publisher") - Read(events, RawSubscriber) > 0),
                Expect.FirstDisconnect(Side.Redis, "FIN"),
                Expect.That(
                    "Redis drops a StackExchange.Redis subscription too: a pub/sub output-buffer limit line after the library's flood began",
                    events => LibraryDrop(events) is not null),
                LibraryRun.Each(
                    "every version: the application hears nothing for over a second after the drop: no ConnectionFailed (Subscription) within 1 s (1.2.6 never reports it; 2.8.16 and 3.4.35 seconds late, behind the queued handlers)",
                    run => LibraryDrop(run.Events) is { } drop &&
                           !run.Of(EventKind.LibraryConnectionFailed).Any(e => e.Library?.ConnectionType == "Subscription" && e.At >= drop.At && e.At - drop.At <= TimeSpan.FromSeconds(1))),
            ]),
        Fixed: new ScenarioVariant(
            $"(a) pubsub {HeadroomLimit} with a reader that only reads and enqueues (a worker does the work) and (b) pubsub {SizedLimit} with the subscriber that reads only after the burst: no output-buffer limit, every PUBLISH delivered, every delivered message read; the stalled subscriber needed more than (a)'s limit. (c) StackExchange.Redis under pubsub {TightLimit}, bursts until Redis drops each subscription (one that keeps up with {LibraryBursts} bursts is stalled by SIGSTOP until it is): 2.8.16 and 3.4.35 through a ChannelMessageQueue say so (3.4.35 within {QueueReportBound.TotalSeconds:0} s, 2.8.16 within {QueueReportBoundV2.TotalSeconds:0} s on a loaded machine); 1.2.6 (no ChannelMessageQueue) says nothing and resubscribes",
            // (a)'s worker works through the burst (the work is the point: no run can end sooner); (b) runs meanwhile, on a
            // channel of its own: its late reader ends on the last delivered byte, and the wait for Redis's sample of its
            // buffer is an event (≤ ~0.1 s). (c) ends on the ChannelMessageQueue subscribers' ConnectionFailed; with 1.2.6
            // in the run, it sits out the bound after 1.2.6's drop (its silence is the observation).
            WorkerWork,
            RunFixedAsync,
            [
                Expect.No("(a) and (b): Redis hits no output-buffer limit for the raw subscribers", e => e.Kind == EventKind.RedisOutputBufferLimit && !IsLibraryLine(e)),
                Expect.That(
                    $"(a) every PUBLISH reached the subscriber ({Messages} × :1) and the worker processed every one: 0 lost",
                    events => Delivered(events, "publisher-a") == Messages && Processed(events) == Messages),
                Expect.That(
                    $"(b) every PUBLISH reached the subscriber ({Messages} × :1) and it read every one, whole: 0 lost",
                    events => Delivered(events, "publisher-b") == Messages && Read(events, RawSubscriber) == Messages && DrainedBytes(events, RawSubscriber) == (long)Messages * FrameBytes),
                Expect.That(
                    $"(b) INFO clients shows the subscriber's buffer ({SampleField} over 1 MB): it lived long enough to be sampled",
                    events => SampledBuffer(events) > 1024 * 1024),
                Expect.That(
                    $"(b) the stalled subscriber's buffer in Redis (CLIENT LIST omem, ~17.6 MB) is over (a)'s hard limit ({HeadroomHardBytes >> 20} MB): under (a)'s limit only the continuous reader survives",
                    events => StalledOmem(events) > HeadroomHardBytes),
                Expect.No("no subscriber's connection is ended by Redis", e => (e.Actor is RawSubscriber or Reader) && e.Kind is EventKind.EndOfStream or EventKind.ReceiveFailed),
                LibraryRun.Each(
                    $"(c) Redis drops every library subscription (its limit line names the client); 2.8.16 and 3.4.35 (ChannelMessageQueue): ConnectionFailed (Subscription) within {QueueReportBound.TotalSeconds:0} s of that line (2.8.16: {QueueReportBoundV2.TotalSeconds:0} s, it comes later under load); 1.2.6 (a handler: it has no ChannelMessageQueue): no ConnectionFailed within {QueueReportBound.TotalSeconds:0} s, yet CLIENT LIST shows it subscribed again",
                    run => QueueDrop(run) is { } drop && (run.Version == SeRedisVersion.V1_2_6
                        ? (QueueFailed(run, drop) is not { } late || late.At - drop.At > QueueReportBound)
                            && run.Events.LastOrDefault(e => e.Kind == EventKind.RedisSnapshot && e.Redis is { Snapshot: "CLIENT LIST", Clients: not null }) is { Redis.Clients: { } clients }
                            && Resubscribed(run.Actor, clients, drop)
                        : QueueFailed(run, drop) is { } failed && failed.At - drop.At <= ReportBound(run.Version))),
            ]))
    {
        Produces = [Signature.Logs("scheduled to be closed ASAP for overcoming of output buffer limits"), Signature.Fails(Side.Client, SocketFailure.EndOfStream)],
    };

    private static async Task RunBrokenAsync(LabSandbox lab, CancellationToken ct)
    {
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { OutputBufferLimitPubsub = TightLimit }, ct);
        var bytes = BurstBytes();
        // The library clients connect meanwhile (they subscribe only in step 2, so the raw part's delivery counts are its own).
        var connecting = SeRedisClient.ConnectEachAsync(lab, redis.Endpoint, baseName: LibrarySubscriber, cancellationToken: ct);

        // 1. A raw subscriber that stops reading after its SUBSCRIBE; Redis's line about it, its INFO, what it can still read.
        var subscriber = await SubscribeLateReaderAsync(lab, redis, ct);
        var burst = await PublishBurstAsync(lab, redis, new(bytes), "publisher", ct);
        var limit = await lab.Timeline.WaitForAsync(EventKind.RedisOutputBufferLimit, TimeSpan.FromSeconds(5), Side.Redis, cancellationToken: ct);
        lab.Timeline.Note(Side.Lab, $"Redis logged the limit {Ms(limit.At - burst.Started)} ms after the burst's first write");
        await redis.SnapshotAsync("clients", SampleField);
        await DrainAndCountAsync(lab, subscriber, burst);

        // 2. StackExchange.Redis (each version the lab runs) with a slow handler, alone on the channel now.
        var clients = await connecting;
        await Task.WhenAll(clients.Select(c => c.SubscribeAsync(ChannelName, HandlerWork, cancellationToken: ct)));
        lab.Timeline.Note(Side.Lab, $"subscribed through StackExchange.Redis with a handler that sleeps {HandlerWork.TotalMilliseconds:0} ms per message");
        await WatchLibraryAsync(lab, redis, bytes, clients.Count, ct);
    }

    private static async Task RunFixedAsync(LabSandbox lab, CancellationToken ct)
    {
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { OutputBufferLimitPubsub = HeadroomLimit }, ct);
        var bytes = BurstBytes();
        // (c)'s library clients connect meanwhile, each under its actor name (CLIENT SETNAME), so that Redis's limit line names it.
        var connecting = Task.WhenAll(lab.Settings.SeRedis.Select(v => SeRedisClient.ConnectAsync(
            lab, redis.Endpoint, v, new SeRedisOptions { Configuration = $"name={SeRedisClient.ActorName(v, LibrarySubscriber)}" }, SeRedisClient.ActorName(v, LibrarySubscriber), ct)));

        // (a) A limit with headroom for the reader's scheduling hiccups — far below what a stalled reader needs (see (b));
        // the reader only reads and enqueues, a worker does the work. Once (a)'s burst is over, (b) runs while the worker works.
        await PubsubQueuedSubscriber.QueuedSubscriberAsync(lab, redis, bytes, () => StalledSubscriberAsync(lab, redis, ct), ct);

        // (c) StackExchange.Redis through a ChannelMessageQueue (2.x/3.x), the same slow work in its one consumer, back under the
        // tight limit: bursts until Redis drops each subscription, then each version's own report of it.
        var clients = await connecting;
        await PubsubLibrarySubscribers.QueueAsync(lab, redis, clients, ct);
    }

    /// <summary>Fix (b): a subscriber as stalled as the broken one, on a channel of its own, against a limit sized for the whole burst.</summary>
    private static async Task StalledSubscriberAsync(LabSandbox lab, RedisServer redis, CancellationToken ct)
    {
        var set = await redis.CommandAsync("CONFIG", "SET", "client-output-buffer-limit", $"pubsub {SizedLimit}");
        lab.Timeline.Note(Side.Lab, $"CONFIG SET client-output-buffer-limit \"pubsub {SizedLimit}\": {Resp.Render(set)}");
        var subscriber = await SubscribeLateReaderAsync(lab, redis, ct, ChannelB);
        var burst = await PublishBurstAsync(lab, redis, new(BurstBytes(ChannelB)), "publisher-b", ct);
        // The subscriber's buffer now holds what the kernel could not (omem in CLIENT LIST); Redis samples it from its cron
        // (~every 100 ms). Wait (bounded) until INFO's figure has caught up with omem, then show both.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(2) && await SampleBehindAsync(redis))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), ct);
        }
        await redis.SnapshotAsync("CLIENT LIST", "id", "flags", "sub", "omem");
        await redis.SnapshotAsync("clients", SampleField);
        // Every delivered message is in the kernel or in Redis's buffer: read until the last one, not until a silence.
        await DrainAndCountAsync(lab, subscriber, burst, toTheLast: true);
    }
}
