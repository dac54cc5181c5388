using System.Globalization;
using BrokenPipe.Lab.Parts.Kestrel;

namespace BenchSoak;

/// <summary>
/// The two Kestrel misses seen under load, provoked on purpose, R rounds each, N at a time, each in its own lab:
/// (1) a handler writes a complete 300-byte response (100 + 200 bytes, flushed) to a client that reads it and closes —
/// no write may be classed as written into the void; (2) a handler that honours RequestAborted works 0–20 ms while its
/// client leaves 0–20 ms after the request — whenever the token was canceled by the handler's end, RequestAborted must be on the timeline.
/// </summary>
internal static class KestrelStress
{
    public static async Task<int> RunAsync(int rounds, int parallel, CancellationToken cancellationToken)
    {
        var voidMisses = 0;
        var abortMisses = 0;
        var aborts = 0;
        using var gate = new SemaphoreSlim(parallel);
        var tasks = Enumerable.Range(0, rounds).Select(async i =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                if (await CompleteResponseAsync(i, cancellationToken)) Interlocked.Increment(ref voidMisses);
                var (canceled, recorded) = await AbortRaceAsync(i, cancellationToken);
                if (canceled) Interlocked.Increment(ref aborts);
                if (canceled && !recorded) Interlocked.Increment(ref abortMisses);
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kestrel stress, {rounds} rounds, {parallel} at a time: complete responses classed as written into the void: {voidMisses}; RequestAborted canceled {aborts} times, not on the timeline {abortMisses} times"));
        return voidMisses == 0 && abortMisses == 0 ? 0 : 1;
    }

    private static async Task<bool> CompleteResponseAsync(int i, CancellationToken ct)
    {
        await using var lab = new LabSandbox($"stress-writes-{i}");
        var server = await KestrelServer.StartAsync(lab, async x =>
        {
            x.Context.Response.ContentLength = 300;
            await x.WriteAsync(100);
            await x.WriteAsync(200, flush: true);
        }, cancellationToken: ct);
        await RawHttpClient.RunAsync(lab, server.Endpoint, cancellationToken: ct);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, TimeSpan.FromSeconds(10), Side.Server, "kestrel#1", ct);
        return lab.Timeline.Snapshot().Any(e => e.Kind == EventKind.WriteIntoVoid);
    }

    private static async Task<(bool Canceled, bool Recorded)> AbortRaceAsync(int i, CancellationToken ct)
    {
        var canceled = false;
        var work = TimeSpan.FromMilliseconds(Random.Shared.Next(0, 20));
        Timeline timeline;
        await using (var lab = new LabSandbox($"stress-abort-{i}"))
        {
            timeline = lab.Timeline;
            var server = await KestrelServer.StartAsync(lab, async x =>
            {
                try
                {
                    await x.DelayAsync(work, honourAbort: true);
                }
                finally
                {
                    canceled = x.RequestAborted.IsCancellationRequested;
                }
            }, cancellationToken: ct);
            await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { CloseWhen = Trigger.After(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 20))) }, ct);
            await lab.Timeline.WaitForAsync(EventKind.KestrelRequestFinished, TimeSpan.FromSeconds(10), cancellationToken: ct);
        }
        // Canceled by the time the handler ended: the timeline must say so.
        return (canceled, timeline.Snapshot().Any(e => e.Kind == EventKind.RequestAborted));
    }
}
