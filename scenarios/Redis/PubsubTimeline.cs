using static BrokenPipe.Scenarios.Redis.RedisPubsubSlowSubscriber;
using static BrokenPipe.Scenarios.Redis.PubsubBurst;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>Reading redis-pubsub-slow-subscriber's finished timeline: the counts and lines its checks compare.</summary>
internal static class PubsubTimeline
{
    internal static int Delivered(IReadOnlyList<LabEvent> events, string publisher) =>
        (int?)events.FirstOrDefault(e => e.Kind == EventKind.Received && e.Actor == publisher && e.Measurement?.Name == DeliveredMessages)?.Measurement!.Value ?? 0;

    internal static int Read(IReadOnlyList<LabEvent> events, string subscriber) =>
        (int?)events.FirstOrDefault(e => e.Kind == EventKind.Measured && e.Actor == subscriber && e.Measurement?.Name == ReadMessages)?.Measurement!.Value ?? 0;

    internal static long? DrainedBytes(IReadOnlyList<LabEvent> events, string subscriber) =>
        events.FirstOrDefault(e => e.Kind == EventKind.Received && e.Actor == subscriber && e.Measurement is { Name: "pubsub-messages" })?.Bytes;

    internal static int? Processed(IReadOnlyList<LabEvent> events) =>
        (int?)events.FirstOrDefault(e => e.Kind == EventKind.Measured && e.Actor == Worker && e.Measurement?.Name == ProcessedMessages)?.Measurement!.Value;

    /// <summary>Redis's limit line for the raw subscriber: the one whose addr= is the subscriber's local endpoint.</summary>
    internal static LabEvent? RawDrop(IReadOnlyList<LabEvent> events) =>
        events.FirstOrDefault(e => e.Kind == EventKind.Connected && e.Actor == RawSubscriber)?.LocalEndPoint is { } local
            ? events.FirstOrDefault(e => e.Kind == EventKind.RedisOutputBufferLimit && e.Redis?.Field("addr") == local.ToString())
            : null;

    /// <summary>Redis's limit line for a pub/sub client after the library's first burst began.</summary>
    internal static LabEvent? LibraryDrop(IReadOnlyList<LabEvent> events) =>
        events.FirstOrDefault(e => e.Kind == EventKind.Sent && e.Actor?.StartsWith(LibraryPublisher, StringComparison.Ordinal) == true) is { } start
            ? events.FirstOrDefault(e => e.Kind == EventKind.RedisOutputBufferLimit && e.At >= start.At && e.Redis?.IsPubsub == true)
            : null;

    /// <summary>Whether a limit line is about a library client (fixed (c) names each one after its actor).</summary>
    internal static bool IsLibraryLine(LabEvent e) => e.Redis?.Field("name")?.StartsWith(LibrarySubscriber + "@", StringComparison.Ordinal) == true;

    /// <summary>Fixed (c): Redis's first limit line for this library client's subscription.</summary>
    internal static LabEvent? QueueDrop(LibraryRun run) =>
        run.Events.FirstOrDefault(e => e.Kind == EventKind.RedisOutputBufferLimit && e.Redis?.Field("name") == run.Actor);

    /// <summary>This client's first ConnectionFailed (Subscription) after Redis dropped it.</summary>
    internal static LabEvent? QueueFailed(LibraryRun run, LabEvent drop) =>
        run.Of(EventKind.LibraryConnectionFailed).FirstOrDefault(e => e.Library?.ConnectionType == "Subscription" && e.At >= drop.At);

    /// <summary>The largest omem= of a pub/sub client in the CLIENT LIST snapshots that show omem.</summary>
    internal static long StalledOmem(IReadOnlyList<LabEvent> events) =>
        events
            .Where(e => e.Kind == EventKind.RedisSnapshot)
            .SelectMany(e => e.Redis?.Clients ?? [])
            .Where(c => c.IsPubsub)
            .Select(c => c.Number("omem") ?? 0)
            .DefaultIfEmpty(0)
            .Max();

    /// <summary>The first INFO clients snapshot's client_recent_max_output_buffer.</summary>
    internal static long? SampledBuffer(IReadOnlyList<LabEvent> events) =>
        events.FirstOrDefault(e => e.Kind == EventKind.RedisSnapshot && e.Redis is { Snapshot: "clients" })?.Redis?.Number(SampleField);
}
