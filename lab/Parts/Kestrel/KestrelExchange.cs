using Microsoft.AspNetCore.Http;

namespace BrokenPipe.Lab.Parts.Kestrel;

/// <summary>
/// One request as the scenario's handler sees it, with verbs that record what they did: work (a delay), write,
/// stream, read the body, abort. Every write is recorded with its result — including a write that "succeeds"
/// after the client has gone, which Kestrel swallows silently.
/// </summary>
public sealed class KestrelExchange
{
    private readonly Timeline _timeline;
    private readonly string _actor;
    private readonly Func<bool> _transportSawClientLeave;
    private readonly Func<string?> _serverAbortReason;
    private int _writes;

    internal KestrelExchange(HttpContext context, Timeline timeline, string actor, Func<bool> transportSawClientLeave, Func<string?> serverAbortReason)
    {
        Context = context;
        _timeline = timeline;
        _actor = actor;
        _transportSawClientLeave = transportSawClientLeave;
        _serverAbortReason = serverAbortReason;
    }

    public HttpContext Context { get; }

    public CancellationToken RequestAborted => Context.RequestAborted;

    /// <summary>True once Kestrel has fired <see cref="RequestAborted"/>.</summary>
    public bool IsAborted => Context.RequestAborted.IsCancellationRequested;

    /// <summary>
    /// True once Kestrel knows the client has gone: <see cref="RequestAborted"/> fired, or its transport logged the
    /// client's FIN, a reset, or an RST it sent after a failed write (then RequestAborted may never fire). False when
    /// RequestAborted fired because the server aborted the connection itself (MinResponseDataRate, <see cref="Abort"/>).
    /// </summary>
    public bool ClientGone => (IsAborted && _serverAbortReason() is null) || _transportSawClientLeave();

    /// <summary>Response bytes the handler produced (every write that returned).</summary>
    public long BytesWritten { get; private set; }

    /// <summary>Response bytes produced after the client had gone (<see cref="ClientGone"/>): work done for nobody.</summary>
    public long BytesAfterClientLeft { get; private set; }

    /// <summary>The handler's work. With <paramref name="honourAbort"/> it stops (throws) as soon as the client is gone.</summary>
    public async Task DelayAsync(TimeSpan duration, bool honourAbort = false)
    {
        _timeline.Record(new LabEvent(Side.Server, EventKind.Waiting, $"handler works for {duration.TotalMilliseconds:0} ms{(honourAbort ? " (honouring RequestAborted)" : "")}") { Actor = _actor });
        try
        {
            await Task.Delay(duration, honourAbort ? RequestAborted : CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            _timeline.RecordFailure(Side.Server, EventKind.HandlerFailed, e, _actor, "the work stopped when the client left");
            throw;
        }
    }

    /// <summary>One <c>Response.Body.WriteAsync</c> of <paramref name="bytes"/> bytes (Content-Length set when nothing was sent yet).</summary>
    public async Task WriteAsync(int bytes, bool honourAbort = false, bool flush = false)
    {
        if (!Context.Response.HasStarted) Context.Response.ContentLength ??= bytes;
        var index = ++_writes;
        var goneBefore = ClientGone;
        try
        {
            var token = honourAbort ? RequestAborted : CancellationToken.None;
            await Context.Response.Body.WriteAsync(new byte[bytes], token).ConfigureAwait(false);
            if (flush) await Context.Response.Body.FlushAsync(token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _timeline.RecordFailure(new LabEvent(Side.Server, EventKind.WriteFailed, $"WriteAsync #{index} of {bytes} bytes threw") { Actor = _actor, Bytes = bytes, Index = index }, e);
            throw;
        }
        // Gone before the write: the bytes went nowhere. Gone by the time it returned: only if the write did not complete
        // the declared response — a client that read the whole response and then closed (its FIN seen while this
        // continuation waited for a busy CPU) is the normal end of an exchange, not work for nobody.
        var complete = Context.Response.ContentLength is { } length && BytesWritten + bytes >= length;
        var intoVoid = goneBefore || (ClientGone && !complete);
        Count(bytes, intoVoid);
        if (intoVoid)
        {
            _timeline.Record(new LabEvent(Side.Server, EventKind.WriteIntoVoid, $"WriteAsync #{index} of {bytes} bytes returned without error, but the client had left: the bytes went nowhere") { Actor = _actor, Bytes = bytes, Index = index });
        }
        else
        {
            _timeline.Record(new LabEvent(Side.Server, EventKind.ResponseWrite, $"WriteAsync #{index} of {bytes} bytes returned") { Actor = _actor, Bytes = bytes, Index = index });
        }
    }

    /// <summary>
    /// Streams <paramref name="totalBytes"/> in <paramref name="chunkBytes"/> writes (Content-Length set unless
    /// <paramref name="chunked"/>), <paramref name="gap"/> apart, and records a
    /// summary rather than every write: bytes produced, and how many of them after the client had gone.
    /// <paramref name="honourAbort"/> passes <see cref="RequestAborted"/> to every write, writes through BodyWriter and stops
    /// when RequestAborted fires or a flush reports the connection gone (which also covers the resets that never fire it).
    /// </summary>
    public async Task StreamAsync(long totalBytes, int chunkBytes = 64 * 1024, bool honourAbort = false, TimeSpan? gap = null, bool chunked = false)
    {
        if (!Context.Response.HasStarted && !chunked) Context.Response.ContentLength ??= totalBytes;
        var chunk = new byte[chunkBytes];
        var token = honourAbort ? RequestAborted : CancellationToken.None;
        long written = 0;
        var writes = 0;
        _timeline.Record(new LabEvent(Side.Server, EventKind.ResponseWrite, $"streaming {totalBytes} bytes in {chunkBytes}-byte writes{(honourAbort ? ", honouring RequestAborted" : "")}") { Actor = _actor, Bytes = 0 });
        var stoppedEarly = false;
        try
        {
            while (written < totalBytes)
            {
                if (honourAbort && IsAborted)
                {
                    stoppedEarly = true;
                    return;
                }
                if (gap is { } g && writes > 0) await Task.Delay(g, token).ConfigureAwait(false);
                var length = (int)Math.Min(chunkBytes, totalBytes - written);
                var goneBefore = ClientGone;
                if (honourAbort)
                {
                    // BodyWriter's FlushResult says when the transport has stopped reading: the signal that still
                    // comes when the reset lands during a write and RequestAborted never fires.
                    var flush = await Context.Response.BodyWriter.WriteAsync(chunk.AsMemory(0, length), token).ConfigureAwait(false);
                    writes++;
                    written += length;
                    Count(length, goneBefore);
                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        stoppedEarly = true;
                        // Kestrel's own abort (MinResponseDataRate, Abort()) completes the pipe too, and the handler may see
                        // that before RequestAborted fires: then the sentence names the server's decision, not a client's leave.
                        var gone = _serverAbortReason() is { } reason ? $"the server aborted the connection itself ({reason})" : "the connection gone";
                        _timeline.Record(new LabEvent(Side.Server, EventKind.Note, $"write #{writes}: the response pipe reports {gone} (FlushResult.IsCompleted): stop") { Failure = SocketFailure.Canceled, Actor = _actor, Index = writes });
                        return;
                    }
                    continue;
                }
                await Context.Response.Body.WriteAsync(chunk.AsMemory(0, length), token).ConfigureAwait(false);
                writes++;
                written += length;
                Count(length, goneBefore);
            }
        }
        catch (Exception e)
        {
            stoppedEarly = true;
            _timeline.RecordFailure(new LabEvent(Side.Server, EventKind.WriteFailed, $"write #{writes + 1} threw after {written} bytes") { Actor = _actor, Bytes = written, Index = writes + 1 }, e);
            throw;
        }
        finally
        {
            var how = stoppedEarly ? "stopped early" : "all writes returned without error";
            _timeline.Record(new LabEvent(Side.Server, EventKind.WorkSummary, $"{how}: {written} of {totalBytes} bytes produced in {writes} writes, {BytesAfterClientLeft} of them after the client had gone{(IsAborted ? "" : " (RequestAborted never fired)")}") { Actor = _actor, Bytes = BytesAfterClientLeft, Index = writes });
            if (BytesAfterClientLeft > 0)
            {
                _timeline.Record(new LabEvent(Side.Server, EventKind.WriteIntoVoid, $"{BytesAfterClientLeft} bytes were written after the client had left: they went nowhere") { Actor = _actor, Bytes = BytesAfterClientLeft });
            }
        }
    }

    /// <summary>Reads the request body to its end (or failure) and records what it got.</summary>
    public async Task<long> ReadBodyAsync(bool honourAbort = false)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        try
        {
            int n;
            while ((n = await Context.Request.Body.ReadAsync(buffer, honourAbort ? RequestAborted : CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                total += n;
            }
        }
        catch (Exception e)
        {
            _timeline.RecordFailure(new LabEvent(Side.Server, EventKind.ReceiveFailed, $"reading the request body failed after {total} bytes") { Actor = _actor, Bytes = total }, e);
            throw;
        }
        _timeline.Record(new LabEvent(Side.Server, EventKind.Received, $"read the whole request body: {total} bytes") { Actor = _actor, Bytes = total });
        return total;
    }

    /// <summary><c>HttpContext.Abort()</c>: Kestrel resets the connection.</summary>
    public void Abort()
    {
        _timeline.Note(Side.Server, "handler calls HttpContext.Abort()", _actor);
        Context.Abort();
    }

    private void Count(long bytes, bool afterClientLeft)
    {
        BytesWritten += bytes;
        if (afterClientLeft) BytesAfterClientLeft += bytes;
    }
}
