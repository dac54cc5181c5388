using System.Globalization;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;
using static BrokenPipe.Scenarios.Redis.RedisPubsubSlowSubscriber;
using static BrokenPipe.Scenarios.Redis.PubsubTimeline;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>redis-pubsub-slow-subscriber's raw parts: the late reader, the burst and its publisher, INFO's sample, bounded waits.</summary>
internal static class PubsubBurst
{
    /// <summary>A raw subscriber with a small receive buffer: SUBSCRIBE, read the confirmation, then read nothing until told.</summary>
    internal static async Task<RespProbe> SubscribeLateReaderAsync(LabSandbox lab, RedisServer redis, CancellationToken ct, string channel = ChannelName)
    {
        var subscriber = (await RespProbe.ConnectAsync(lab, redis.Endpoint, RawSubscriber, receiveBuffer: 16 * 1024, ct))!;
        await subscriber.SendAsync("SUBSCRIBE", channel);
        await subscriber.ReadReplyAsync(TimeSpan.FromSeconds(2));
        lab.Timeline.Note(Side.Client, "subscribed (16 KB receive buffer); not reading until the burst is over", RawSubscriber);
        return subscriber;
    }

    /// <summary>Reads what the subscriber can still get (until EOF, a quiet period, or — toTheLast — the last delivered byte) and records the loss against PUBLISH's count.</summary>
    internal static async Task DrainAndCountAsync(LabSandbox lab, RespProbe subscriber, RespPublished burst, bool toTheLast = false)
    {
        var (bytes, _) = await subscriber.DrainAsync(DrainQuiet, toTheLast ? (long)burst.Delivered * FrameBytes : null);
        var read = (int)(bytes / FrameBytes);
        var lost = burst.Delivered - read;
        lab.Timeline.Record(new LabEvent(
            Side.Client,
            EventKind.Measured,
            $"PUBLISH delivered {burst.Delivered} messages to the subscriber (:1); it read {read} whole messages ({bytes} bytes of {FrameBytes}-byte frames): {lost} lost")
        {
            Actor = RawSubscriber,
            Bytes = bytes,
            Measurement = new(ReadMessages, read, "messages"),
        });
    }

    /// <summary>The burst on the wire: <see cref="Messages"/> pipelined PUBLISH commands (~21 MB), built before anyone reads.</summary>
    internal static byte[] BurstBytes(string channel = ChannelName) => RespReplies.Pipeline(["PUBLISH", channel, Payload], Messages);

    /// <summary>A publisher of its own sends the burst in <see cref="PublisherWrites"/> writes and counts PUBLISH's replies; returns when the burst is over.</summary>
    internal static async Task<RespPublished> PublishBurstAsync(LabSandbox lab, RedisServer redis, RespBurst burst, string actor, CancellationToken ct)
    {
        var publisher = await RespPublisher.ConnectAsync(lab, redis.Endpoint, actor, ct);
        return await publisher.PublishAsync(burst with { Writes = PublisherWrites, Measurement = DeliveredMessages }, ct);
    }

    /// <summary>Whether INFO's sampled peak is still below the pub/sub client's current buffer (omem).</summary>
    internal static async Task<bool> SampleBehindAsync(RedisServer redis)
    {
        var omem = (await redis.ClientsAsync()).Where(c => c.IsPubsub).Select(c => c.Number("omem") ?? 0).DefaultIfEmpty(0).Max();
        return (Sample(Resp.Render(await redis.CommandAsync("INFO", "clients"))) ?? 0) < Math.Max(omem, 1);
    }

    /// <summary>A bounded wait on the timeline whose timeout is an answer (null), not a failure of the run.</summary>
    internal static async Task<LabEvent?> WaitOrNullAsync(LabSandbox lab, Func<LabEvent, bool> match, TimeSpan bound, string what, CancellationToken ct)
    {
        try
        {
            return await lab.Timeline.WaitForAsync(match, bound, what, ct);
        }
        catch (TimelineTimeoutException)
        {
            return null;
        }
    }

    internal static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    internal static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture);

    internal static long? Sample(string text)
    {
        var i = text.IndexOf(SampleField + ":", StringComparison.Ordinal);
        if (i < 0) return null;
        var digits = new string([.. text[(i + SampleField.Length + 1)..].TakeWhile(char.IsAsciiDigit)]);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
    }
}
