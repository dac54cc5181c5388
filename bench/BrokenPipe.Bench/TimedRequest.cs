using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BrokenPipe.Bench;

/// <summary>
/// One HTTP/1.1 request sent at a chosen moment, to the tenth of a millisecond: the connection is made beforehand, so
/// that the moment is one <c>send()</c> of the whole request (head and body), not a connect. Records what it did on the
/// timeline (side client) and reads the response with the lab's <see cref="HttpResponseReader"/>.
/// </summary>
internal sealed class TimedRequest : IDisposable
{
    /// <summary>How long before the moment the wait leaves the timer for a thread of its own (a timer wakes up late by up to a millisecond or so).</summary>
    private const double TimerSlackMs = 20;

    private readonly Socket _socket;
    private readonly Timeline _timeline;
    private readonly string _actor;

    private TimedRequest(Socket socket, Timeline timeline, string actor)
    {
        _socket = socket;
        _timeline = timeline;
        _actor = actor;
    }

    /// <summary>Connects now; the request goes out later, with <see cref="SendAtAsync"/>.</summary>
    public static async Task<TimedRequest> ConnectAsync(Timeline timeline, IPEndPoint server, string actor, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(2));
            await socket.ConnectAsync(server, deadline.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        timeline.Record(new LabEvent(Side.Client, EventKind.Connected, $"connected to {server} from {socket.LocalEndPoint} (the request goes out later, at a set moment)") { Actor = actor });
        return new TimedRequest(socket, timeline, actor);
    }

    /// <summary>The bytes of a GET, or of a POST with a <paramref name="bodyBytes"/>-byte body.</summary>
    public static byte[] Request(string method, string path, int bodyBytes)
    {
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: bench\r\nUser-Agent: brokenpipe-bench\r\n");
        if (bodyBytes > 0) head.Append($"Content-Length: {bodyBytes}\r\nContent-Type: application/octet-stream\r\n");
        head.Append("\r\n");
        return [.. Encoding.ASCII.GetBytes(head.ToString()), .. Enumerable.Repeat((byte)'x', bodyBytes)];
    }

    /// <summary>
    /// Sends <paramref name="request"/> when the lab's clock reads <paramref name="atMs"/> and returns the moment it
    /// was sent (ms on the lab's clock; later than asked only when the thread was not scheduled in time).
    /// </summary>
    public async Task<double> SendAtAsync(double atMs, byte[] request, string what, CancellationToken cancellationToken)
    {
        // The timing IS the experiment here. The timer brings the wait close to the moment; a thread of its own does the
        // last stretch precisely without holding a CPU (PreciseWait), and sends. Not a pool thread: it blocks, and the
        // pool's few workers carry Kestrel's close at that very tick.
        var coarse = atMs - TimerSlackMs - _timeline.Now.TotalMilliseconds;
        if (coarse > 0) await Task.Delay(TimeSpan.FromMilliseconds(coarse), cancellationToken);
        var sent = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                PreciseWait.Until(() => _timeline.Now.TotalMilliseconds, atMs, cancellationToken);
                var sentAt = _timeline.Now.TotalMilliseconds;
                _socket.Send(request);
                sent.TrySetResult(sentAt);
            }
            catch (Exception e)
            {
                sent.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "timed request",
        };
        thread.Start();
        var at = await sent.Task;
        _timeline.Record(new LabEvent(Side.Client, EventKind.RequestSent, what) { Actor = _actor });
        return at;
    }

    /// <summary>Reads the response until it is complete, the stream ends, or <paramref name="deadline"/> runs out.</summary>
    public async Task<TimedResponse> ReadAsync(TimeSpan deadline, CancellationToken cancellationToken)
    {
        var reader = new HttpResponseReader();
        var buffer = new byte[16 * 1024];
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(deadline);
        try
        {
            while (!reader.Complete)
            {
                var n = await _socket.ReceiveAsync(buffer, SocketFlags.None, bound.Token);
                if (n == 0) break;
                reader.Feed(buffer.AsSpan(0, n));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _timeline.Record(new LabEvent(Side.Client, EventKind.RequestFailed, $"no complete response within {deadline.TotalSeconds:0.#} s") { Actor = _actor });
            return new TimedResponse(reader.Status, Complete: false, $"no complete response within {deadline.TotalSeconds:0.#} s");
        }
        catch (SocketException e)
        {
            _timeline.RecordFailure(Side.Client, EventKind.ReceiveFailed, e, _actor, "reading the response");
            return new TimedResponse(reader.Status, Complete: false, $"reading the response failed: {e.SocketErrorCode}");
        }
        if (!reader.Complete)
        {
            _timeline.Record(new LabEvent(Side.Client, EventKind.EndOfStream, "EOF before a complete response") { Actor = _actor });
            return new TimedResponse(reader.Status, Complete: false, "EOF before a complete response");
        }
        _timeline.Record(new LabEvent(Side.Client, EventKind.ResponseCompleted, $"HTTP {reader.Status}: the whole body arrived ({reader.BodyBytes} bytes)") { Actor = _actor, Bytes = reader.BodyBytes, Status = reader.Status });
        return new TimedResponse(reader.Status, Complete: true, Problem: null);
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>What a <see cref="TimedRequest"/> got back: a status (if a head came), whether the body was complete, and what went wrong otherwise.</summary>
internal sealed record TimedResponse(int? Status, bool Complete, string? Problem);
