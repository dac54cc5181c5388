using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// <see cref="HttpClient"/> as applications use it, with its connections recorded: each request's outcome, the
/// exception chain classified, and every pooled connection's EOF, errors and close (FIN or RST).
/// </summary>
public sealed class LabHttpClient : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly LabSandbox _lab;
    private readonly Timeline _timeline;
    private readonly LabHttpClientOptions _options;
    private int _connections;
    private int _requests;

    private LabHttpClient(LabSandbox lab, LabHttpClientOptions options)
    {
        _lab = lab;
        _timeline = lab.Timeline;
        _options = options;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = options.PooledConnectionIdleTimeout,
            ConnectCallback = ConnectAsync,
            UseProxy = false,
        };
        _client = new HttpClient(handler) { Timeout = options.Timeout };
    }

    public static LabHttpClient Create(LabSandbox lab, LabHttpClientOptions? options = null)
    {
        options ??= new LabHttpClientOptions();
        options.Validate();
        return lab.Own(new LabHttpClient(lab, options), options.Name);
    }

    /// <summary>Sends one request and reads the whole body; never throws for a network failure — it records and returns it.</summary>
    public async Task<LabHttpResult> SendAsync(HttpMethod method, Uri uri, long uploadBytes = 0, CancellationToken cancellationToken = default)
    {
        var actor = $"{_options.Name}#{Interlocked.Increment(ref _requests)}";
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(method, uri);
        if (uploadBytes > 0) request.Content = new ByteArrayContent(new byte[uploadBytes]);
        _timeline.Record(new LabEvent(Side.Client, EventKind.RequestSent, $"{method} {uri.PathAndQuery} (HttpClient, timeout {_options.Timeout.TotalSeconds:0.###} s)") { Actor = actor });
        int? status = null;
        long? contentLength = null;
        long body = 0;
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            status = (int)response.StatusCode;
            contentLength = response.Content.Headers.ContentLength;
            _timeline.Record(new LabEvent(Side.Client, EventKind.ResponseHeaders, $"HTTP {status}" + (contentLength is { } cl ? $", Content-Length {cl}" : "")) { Actor = actor, Status = status, Framing = Framing(response, contentLength) });
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0) body += n;
            _timeline.Record(new LabEvent(Side.Client, EventKind.ResponseCompleted, $"HTTP {status}: {body} body bytes in {clock.Elapsed.TotalMilliseconds:0} ms") { Actor = actor, Bytes = body, Status = status });
            return new LabHttpResult { Status = status, BodyBytes = body, ContentLength = contentLength, Complete = true, Elapsed = clock.Elapsed };
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var (failure, errno) = SocketFailures.Classify(e);
            var truncated = status is not null && failure is SocketFailure.EndOfStream;
            _timeline.RecordFailure(new LabEvent(Side.Client, truncated ? EventKind.ResponseTruncated : EventKind.RequestFailed, $"after {clock.Elapsed.TotalMilliseconds:0} ms, {body} body bytes") { Actor = actor, Bytes = body }, e);
            return new LabHttpResult
            {
                Status = status,
                BodyBytes = body,
                ContentLength = contentLength,
                Failure = failure,
                Errno = errno,
                Error = SocketFailures.Describe(e),
                Elapsed = clock.Elapsed,
            };
        }
    }

    private static HttpFraming Framing(HttpResponseMessage response, long? contentLength) =>
        contentLength is not null ? HttpFraming.ContentLength : response.Headers.TransferEncodingChunked == true ? HttpFraming.Chunked : HttpFraming.UntilClose;

    public Task<LabHttpResult> GetAsync(Uri uri, CancellationToken cancellationToken = default) => SendAsync(HttpMethod.Get, uri, 0, cancellationToken);

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var actor = $"{_options.Name}-conn#{Interlocked.Increment(ref _connections)}";
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            _timeline.RecordFailure(Side.Client, EventKind.RequestFailed, e, actor, $"connect to {context.DnsEndPoint}");
            socket.Dispose();
            throw;
        }
        _timeline.Record(new LabEvent(Side.Client, EventKind.Connected, $"new pooled connection from {socket.LocalEndPoint}") { Actor = actor });
        var peer = socket.RemoteEndPoint is IPEndPoint remote ? _lab.SideListeningAt(remote) : Side.Server;
        return new RecordingStream(socket, _timeline, actor, peer);
    }
}
