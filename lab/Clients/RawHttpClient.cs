using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// A scripted HTTP/1.1 client over a raw socket: it can leave with a FIN, an RST or a half-close, at a moment set by
/// a trigger; stall; read slowly; upload a body. It records what it saw (side <see cref="Side.Client"/>).
/// </summary>
public static class RawHttpClient
{
    public static async Task<RawHttpResult> RunAsync(LabSandbox lab, IPEndPoint server, RawHttpOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RawHttpOptions();
        options.Validate();
        var run = new Run(lab.Timeline, server, options, lab.SideListeningAt(server));
        return await run.ExecuteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The request line and headers. A header the user gives in <see cref="RawHttpOptions.Headers"/> wins over the one the
    /// client would compute (Host, User-Agent, Content-Length, Content-Type): one header of each name, never two — two
    /// Content-Length headers make the request invalid (RFC 9112 §6.3), and a server may answer 400 or pick either.
    /// </summary>
    internal static string RequestHead(RawHttpOptions o, IPEndPoint server)
    {
        var given = new HashSet<string>(o.Headers.Select(HeaderName), StringComparer.OrdinalIgnoreCase);
        var head = new StringBuilder($"{o.Method} {o.Path} HTTP/1.1\r\n");
        void Computed(string name, string value)
        {
            if (!given.Contains(name)) head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        Computed("Host", o.Host ?? server.ToString());
        Computed("User-Agent", "brokenpipe-lab");
        if (o.UploadBytes > 0)
        {
            Computed("Content-Length", o.UploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Computed("Content-Type", "application/octet-stream");
        }
        foreach (var h in o.Headers) head.Append(h).Append("\r\n");
        return head.Append("\r\n").ToString();
    }

    /// <summary>"Name" of a "Name: value" line (the whole line, trimmed, when it has no colon).</summary>
    private static string HeaderName(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return (colon < 0 ? line : line[..colon]).Trim();
    }

    private sealed class Run(Timeline timeline, IPEndPoint server, RawHttpOptions o, Side peer)
    {
        private readonly HttpResponseReader _reader = new();
        private readonly string _actor = o.Name;
        private long _received;
        private long _uploaded;
        private SocketFailure? _uploadFailure;
        private int? _uploadErrno;
        private SocketFailure? _failure;
        private int? _errno;
        private int _halfClosed;
        private Socket? _socket;

        public async Task<RawHttpResult> ExecuteAsync(CancellationToken cancellationToken)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(o.Deadline);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            if (o.ReceiveBuffer is { } rcvbuf) socket.ReceiveBufferSize = rcvbuf;
            try
            {
                await socket.ConnectAsync(server, deadline.Token).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                timeline.RecordFailure(Side.Client, EventKind.RequestFailed, e, _actor, $"connect to {server}");
                var (f, n) = SocketFailures.Classify(e);
                return new RawHttpResult { Failure = f, Errno = n };
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                timeline.Record(new LabEvent(Side.Client, EventKind.RequestFailed, $"connect to {server} did not complete within the client's deadline of {o.Deadline.TotalSeconds:0.#} s") { Failure = SocketFailure.TimedOut, Actor = _actor });
                return new RawHttpResult { Failure = SocketFailure.TimedOut };
            }
            timeline.Record(new LabEvent(Side.Client, EventKind.Connected, $"connected to {server} from {socket.LocalEndPoint}") { Actor = _actor });

            // The close trigger cancels whatever read is pending; a time or event trigger runs beside the script.
            using var closeNow = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            _socket = socket;
            var watcher = Watch(o.CloseWhen, closeNow, closeNow.Token);
            try
            {
                await SendRequestAsync(socket, deadline.Token).ConfigureAwait(false);
                if (o.CloseWhen.Kind == TriggerKind.AfterRequest) Act(closeNow);
                if (o.CloseWhen.Kind != TriggerKind.AfterRequest || o.Close == CloseMode.HalfClose)
                {
                    await ReadAsync(socket, closeNow, deadline.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                _failure = SocketFailure.TimedOut;
                timeline.Record(new LabEvent(Side.Client, EventKind.RequestFailed, $"the client's own deadline of {o.Deadline.TotalSeconds:0.#} s ran out: it gives up") { Failure = SocketFailure.TimedOut, Actor = _actor });
            }
            catch (OperationCanceledException) when (closeNow.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                // The close trigger fired during a read.
            }
            finally
            {
                closeNow.Cancel();
                await watcher.ConfigureAwait(false);
                if (_received > 0) timeline.Record(new LabEvent(Side.Client, EventKind.Received, $"read {_received} response bytes ({_reader.BodyBytes} body bytes)") { Actor = _actor, Bytes = _received });
                if (_halfClosed != 0)
                {
                    socket.Close();
                    timeline.Note(Side.Client, "closed the socket (its FIN went out with the half-close)", _actor);
                }
                else
                {
                    if (o.CloseWithUnreadData) socket.Poll(TimeSpan.FromSeconds(2), SelectMode.SelectRead);
                    var mode = o.Close == CloseMode.HalfClose ? CloseMode.Fin : o.Close;
                    // Closing after a complete response at the natural end is not breaking the exchange: it answers the
                    // peer's "done" and never counts as the first disconnect (the peer's own close may be logged later).
                    var reply = o.CloseWhen.Kind == TriggerKind.AtEnd && _reader.Complete;
                    await SocketClose.CloseAsync(socket, mode, timeline, Side.Client, _actor, reply: reply).ConfigureAwait(false);
                }
            }
            return new RawHttpResult
            {
                Status = _reader.Status,
                BytesReceived = _received,
                BodyBytes = _reader.BodyBytes,
                ContentLength = _reader.ContentLength,
                Complete = _reader.Complete,
                Truncated = _reader.HeadComplete && !_reader.Complete && _failure is not null,
                Failure = _failure,
                Errno = _errno,
                Uploaded = _uploaded,
                UploadFailure = _uploadFailure,
                UploadErrno = _uploadErrno,
            };
        }

        private async Task Watch(Trigger trigger, CancellationTokenSource fire, CancellationToken stop)
        {
            try
            {
                switch (trigger.Kind)
                {
                    case TriggerKind.AfterTime:
                        await Task.Delay(trigger.Time, stop).ConfigureAwait(false);
                        break;
                    case TriggerKind.OnEvent:
                        await timeline.WaitForAsync(trigger.Event!, o.Deadline, trigger.Description, stop).ConfigureAwait(false);
                        break;
                    default:
                        return;
                }
                Act(fire);
            }
            catch (Exception e) when (e is OperationCanceledException or TimeoutException)
            {
                // The exchange ended first, or the event never came (the deadline reports that).
            }
        }

        /// <summary>The close trigger fired: a half-close shuts down sending and goes on reading; any other mode stops reading and closes.</summary>
        private void Act(CancellationTokenSource closeNow)
        {
            if (o.Close != CloseMode.HalfClose)
            {
                closeNow.Cancel();
                return;
            }
            if (Interlocked.Exchange(ref _halfClosed, 1) != 0 || _socket is null) return;
            SocketClose.CloseAsync(_socket, CloseMode.HalfClose, timeline, Side.Client, _actor).GetAwaiter().GetResult();
        }

        private async Task SendRequestAsync(Socket socket, CancellationToken token)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(RequestHead(o, server)), SocketFlags.None, token).ConfigureAwait(false);
            timeline.Record(new LabEvent(Side.Client, EventKind.RequestSent, $"{o.Method} {o.Path}" + (o.UploadBytes > 0 ? $" with a {o.UploadBytes}-byte body" : "")) { Actor = _actor });
            if (o.UploadBytes > 0) await UploadAsync(socket, token).ConfigureAwait(false);
        }

        private async Task UploadAsync(Socket socket, CancellationToken token)
        {
            var chunk = new byte[o.UploadChunkBytes];
            try
            {
                while (_uploaded < o.UploadBytes)
                {
                    var length = (int)Math.Min(chunk.Length, o.UploadBytes - _uploaded);
                    _uploaded += await socket.SendAsync(chunk.AsMemory(0, length), SocketFlags.None, token).ConfigureAwait(false);
                }
                timeline.Record(new LabEvent(Side.Client, EventKind.Sent, $"uploaded the whole body: {_uploaded} bytes") { Actor = _actor, Bytes = _uploaded });
            }
            catch (SocketException e)
            {
                (_uploadFailure, _uploadErrno) = SocketFailures.Classify(e);
                timeline.RecordFailure(new LabEvent(Side.Client, EventKind.SendFailed, $"upload failed after {_uploaded} of {o.UploadBytes} bytes") { Actor = _actor, Bytes = _uploaded, Peer = peer }, e);
            }
        }

        private async Task ReadAsync(Socket socket, CancellationTokenSource closeSource, CancellationToken deadline)
        {
            var closeNow = closeSource.Token;
            var buffer = new byte[64 * 1024];
            var stalled = false;
            var slow = System.Diagnostics.Stopwatch.StartNew();
            var slowFrom = _received;
            while (true)
            {
                if (o.Read == ReadMode.Stall && !stalled && _received >= o.StallAfterBytes)
                {
                    stalled = true;
                    timeline.Record(new LabEvent(Side.Client, EventKind.ReadStalled, $"stops reading after {_received} bytes (SO_RCVBUF {socket.ReceiveBufferSize})") { Actor = _actor, Bytes = _received });
                    // Without a resume trigger the stall lasts until the close trigger (or the deadline) cancels it.
                    await WaitForAsync(o.ResumeWhen, closeNow).ConfigureAwait(false);
                    timeline.Record(new LabEvent(Side.Client, EventKind.ReadResumed, $"resumes reading ({o.ResumeWhen!.Description})") { Actor = _actor });
                }
                var limit = buffer.Length;
                if (o.CloseWhen.Kind == TriggerKind.AfterBytes && _received < o.CloseWhen.Bytes) limit = (int)Math.Min(limit, o.CloseWhen.Bytes - _received);
                if (o.Read == ReadMode.Stall && !stalled && o.StallAfterBytes > 0) limit = (int)Math.Min(limit, o.StallAfterBytes - _received);
                if (o.Read == ReadMode.Slow)
                {
                    // Paced by the clock, not by a fixed read size: read what the rate allows so far, wait when ahead.
                    var due = (long)(o.SlowBytesPerSecond * slow.Elapsed.TotalSeconds) - (_received - slowFrom);
                    if (due <= 0)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(10), closeNow).ConfigureAwait(false);
                        continue;
                    }
                    limit = (int)Math.Min(limit, due);
                }
                if (limit <= 0) limit = buffer.Length;

                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer.AsMemory(0, limit), SocketFlags.None, closeNow).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    (_failure, _errno) = SocketFailures.Classify(e);
                    timeline.RecordFailure(new LabEvent(Side.Client, EventKind.ReceiveFailed, $"recv failed after {_received} response bytes ({Progress()})") { Actor = _actor, Bytes = _received, Peer = peer }, e);
                    return;
                }
                if (n == 0)
                {
                    RecordEof();
                    return;
                }
                var headBefore = _reader.HeadComplete;
                _received += n;
                _reader.Feed(buffer.AsSpan(0, n));
                if (!headBefore && _reader.HeadComplete)
                {
                    timeline.Record(new LabEvent(Side.Client, EventKind.ResponseHeaders, $"HTTP {_reader.Status}" + (_reader.ContentLength is { } cl ? $", Content-Length {cl}" : _reader.Chunked ? ", chunked" : "")) { Actor = _actor, Status = _reader.Status, Framing = Framing() });
                    if (o.CloseWhen.Kind == TriggerKind.AfterHeaders)
                    {
                        Act(closeSource);
                        if (o.Close != CloseMode.HalfClose) return;
                    }
                }
                if (_reader.Complete)
                {
                    timeline.Record(new LabEvent(Side.Client, EventKind.ResponseCompleted, $"HTTP {_reader.Status}: the whole body arrived ({_reader.BodyBytes} bytes)") { Actor = _actor, Bytes = _reader.BodyBytes, Status = _reader.Status });
                    return;
                }
                if (o.CloseWhen.Kind == TriggerKind.AfterBytes && _received >= o.CloseWhen.Bytes)
                {
                    Act(closeSource);
                    if (o.Close != CloseMode.HalfClose) return;
                }
            }
        }

        private async Task WaitForAsync(Trigger? trigger, CancellationToken token)
        {
            switch (trigger?.Kind)
            {
                case TriggerKind.AfterTime:
                    await Task.Delay(trigger.Time, token).ConfigureAwait(false);
                    break;
                case TriggerKind.OnEvent:
                    await timeline.WaitForAsync(trigger.Event!, o.Deadline, trigger.Description, token).ConfigureAwait(false);
                    break;
                case null:
                    await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                    break;
            }
        }

        private void RecordEof()
        {
            if (_reader.TruncatedAtEof)
            {
                _failure = SocketFailure.EndOfStream;
                timeline.Record(new LabEvent(Side.Client, EventKind.ResponseTruncated, $"EOF with the body incomplete: {Progress()}") { Failure = SocketFailure.EndOfStream, Actor = _actor, Bytes = _reader.BodyBytes, Status = _reader.Status, Framing = Framing() });
                timeline.Record(new LabEvent(Side.Client, EventKind.EndOfStream, "recv() returned 0 (EOF)") { Failure = SocketFailure.EndOfStream, Actor = _actor, Bytes = _received, Peer = peer, Closed = CloseHow.Fin });
            }
            else if (!_reader.HeadComplete)
            {
                _failure = SocketFailure.EndOfStream;
                timeline.Record(new LabEvent(Side.Client, EventKind.EndOfStream, $"EOF after {_received} bytes, before any response head") { Failure = SocketFailure.EndOfStream, Actor = _actor, Bytes = _received, Peer = peer, Closed = CloseHow.Fin });
            }
            else
            {
                timeline.Record(new LabEvent(Side.Client, EventKind.EndOfStream, $"EOF after the response ({_received} bytes)") { Actor = _actor, Bytes = _received, Peer = peer, Closed = CloseHow.Fin });
            }
        }

        private HttpFraming Framing() =>
            _reader.ContentLength is not null ? HttpFraming.ContentLength : _reader.Chunked ? HttpFraming.Chunked : HttpFraming.UntilClose;

        private string Progress() => _reader.HeadComplete
            ? _reader.ContentLength is { } cl ? $"{_reader.BodyBytes} of {cl} body bytes" : $"{_reader.BodyBytes} body bytes, {(_reader.Chunked ? "no final chunk" : "no framing")}"
            : "no response head yet";
    }
}
