using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;
using static BrokenPipe.Scenarios.Redis.RedisPubsubSlowSubscriber;
using static BrokenPipe.Scenarios.Redis.PubsubBurst;

namespace BrokenPipe.Scenarios.Redis;

/// <summary>redis-pubsub-slow-subscriber's fix (a): the subscriber whose reader thread only reads and enqueues, and its worker.</summary>
internal static class PubsubQueuedSubscriber
{
    /// <summary>
    /// Fix (a): a subscriber whose reader thread does nothing but blocking 1 MB reads into preallocated buffers, each handed to an
    /// unbounded channel; a worker decodes the frames and does the (slow) work. Returns when the worker has processed every
    /// delivered message.
    /// </summary>
    internal static async Task QueuedSubscriberAsync(LabSandbox lab, RedisServer redis, byte[] bytes, Func<Task> meanwhile, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(redis.Endpoint, ct);
        lab.Timeline.Record(new LabEvent(Side.Client, EventKind.Connected, $"connected to {redis.Endpoint} from {socket.LocalEndPoint}") { Actor = Reader, LocalEndPoint = (IPEndPoint?)socket.LocalEndPoint });
        await using (var stream = new NetworkStream(socket, ownsSocket: false))
        {
            await stream.WriteAsync(Resp.Encode(["SUBSCRIBE", ChannelName]), ct);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
            bound.CancelAfter(TimeSpan.FromSeconds(2));
            lab.Timeline.Record(new LabEvent(Side.Client, EventKind.Received, $"subscribed: {Resp.Render(await Resp.ReadAsync(stream, bound.Token))}") { Actor = Reader });
        }

        var queue = Channel.CreateUnbounded<(byte[] Buffer, int Length)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        // Read buffers allocated up front, enough for the whole burst: nothing is allocated (no GC pause) on the reading path.
        var free = new ConcurrentQueue<byte[]>(Enumerable.Range(0, ReadBuffers).Select(_ => new byte[ReadBytes]));
        var readerDone = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var closing = 0;
        var reader = new Thread(() =>
        {
            long total = 0;
            try
            {
                while (true)
                {
                    if (!free.TryDequeue(out var buffer)) buffer = new byte[ReadBytes];
                    var n = socket.Receive(buffer);
                    if (n == 0 && Volatile.Read(ref closing) != 0) return; // the run's own close (its FIN, then close() unblocks this recv): not Redis's
                    if (n == 0) break;
                    total += n;
                    queue.Writer.TryWrite((buffer, n)); // the only work besides reading: hand the bytes over
                }
                lab.Timeline.Record(new LabEvent(Side.Client, EventKind.EndOfStream, $"recv() returned 0 (EOF) after {total} bytes") { Failure = SocketFailure.EndOfStream, Actor = Reader, Bytes = total, Peer = Side.Redis, Closed = CloseHow.Fin });
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // The run closes the socket under the blocked recv once the worker is done (a half-close, then close(),
                // which unblocks this recv with 0 or an error); before that, a failure is worth showing.
                if (Volatile.Read(ref closing) == 0) lab.Timeline.RecordFailure(new LabEvent(Side.Client, EventKind.ReceiveFailed, $"recv failed after {total} bytes") { Actor = Reader, Bytes = total, Peer = Side.Redis }, e);
            }
            finally
            {
                queue.Writer.TryComplete();
                readerDone.TrySetResult(total);
            }
        })
        { IsBackground = true, Name = "pubsub reader" };
        reader.Start();
        lab.Timeline.Note(Side.Client, "a reader thread reads continuously (1 MB blocking reads into preallocated buffers) and only enqueues; a worker does the work", Reader);

        var processed = 0;
        var target = int.MaxValue;
        var worker = Task.Run(
            async () =>
            {
                long received = 0;
                await foreach (var (buffer, length) in queue.Reader.ReadAllAsync(CancellationToken.None))
                {
                    // Every frame is FrameBytes long: count the whole ones, and do 1 ms of "work" per 100 messages.
                    var before = (int)(received / FrameBytes);
                    received += length;
                    free.Enqueue(buffer);
                    var after = (int)(received / FrameBytes);
                    for (var m = before + 1; m <= after; m++)
                    {
                        if (m % 100 == 0) Thread.Sleep(1);
                    }
                    Volatile.Write(ref processed, after);
                    if (before < Volatile.Read(ref target) && after >= Volatile.Read(ref target)) RecordProcessed(lab, after);
                }
            },
            CancellationToken.None);

        try
        {
            var burst = await PublishBurstAsync(lab, redis, new(bytes), "publisher-a", ct);
            Volatile.Write(ref target, burst.Delivered);
            if (Volatile.Read(ref processed) >= burst.Delivered) RecordProcessed(lab, Volatile.Read(ref processed));
            await meanwhile(); // the worker works through the backlog meanwhile
            // Done when the worker has processed every delivered message — or, if Redis dropped the reader after all, at once.
            await lab.Timeline.WaitForAsync(
                e => (e.Kind == EventKind.Measured && e.Actor == Worker) || (e.Actor == Reader && e.Kind is EventKind.EndOfStream or EventKind.ReceiveFailed),
                TimeSpan.FromSeconds(5),
                "the worker to process every delivered message",
                ct);
        }
        finally
        {
            Volatile.Write(ref closing, 1);
            // The reader's recv is still pending on its thread: .NET would close abortively (an RST) unless the send side
            // is shut first, so the FIN goes out with shutdown(SHUT_WR), and close() then only unblocks the recv.
            await SocketClose.CloseAsync(socket, CloseMode.HalfClose, lab.Timeline, Side.Client, Reader);
            socket.Close();
            await readerDone.Task.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            await worker.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        }
    }

    internal static void RecordProcessed(LabSandbox lab, int processed)
    {
        // Either the worker or the run may see the target reached first; record it once.
        if (lab.Timeline.Snapshot().Any(e => e.Kind == EventKind.Measured && e.Actor == Worker)) return;
        lab.Timeline.Record(new LabEvent(Side.Client, EventKind.Measured, $"the worker processed {processed} messages") { Actor = Worker, Measurement = new(ProcessedMessages, processed, "messages") });
    }
}
