using BrokenPipe.Lab.Clients;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using BrokenPipe.Lab.Parts;

namespace BrokenPipe.Lab.Checks;

/// <summary>
/// The checks' client: the raw HTTP/1.1 client for a plain listener (every byte and errno recorded); for a TLS or HTTP/2
/// listener, HttpClient speaking exactly that protocol (TLS with the lab's throwaway certificate accepted, HTTP/2 by ALPN
/// or, without TLS, by prior knowledge), recording the same events.
/// </summary>
internal sealed class CheckClient(LabSandbox lab, IProxyPart proxy, ProxyCheckOptions options)
{
    private readonly ProxyListener _listener = proxy.Listener;

    /// <summary>The Host header and TLS server name the checks send.</summary>
    public string Host => options.Host ?? "localhost";

    /// <summary>The check's own path under <see cref="ProxyCheckOptions.Path"/>.</summary>
    public string PathFor(string name) => options.Path.TrimEnd('/') + "/" + name;

    public async Task<CheckResponse> SendAsync(CheckRequest request, CancellationToken cancellationToken)
    {
        if (!_listener.Tls && !_listener.Http2)
        {
            var r = await RawHttpClient.RunAsync(
                lab,
                proxy.Endpoint,
                new RawHttpOptions
                {
                    Name = request.Name,
                    Method = request.Method,
                    Path = request.Path,
                    Host = Host,
                    UploadBytes = request.UploadBytes,
                    Read = request.ReadBytesPerSecond is null ? ReadMode.Normal : ReadMode.Slow,
                    SlowBytesPerSecond = request.ReadBytesPerSecond ?? 16 * 1024,
                    ReceiveBuffer = request.ReadBytesPerSecond is null ? null : 16 * 1024,
                    CloseWhen = request.AbortOn is { } on ? Trigger.On(on, request.AbortDescription) : Trigger.AtEnd,
                    Deadline = request.Deadline,
                },
                cancellationToken).ConfigureAwait(false);
            return CheckResponse.From(r);
        }
        return await SendWithHttpClientAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private async Task GiveUpAsync(Func<LabEvent, bool> on, CancellationTokenSource abort)
    {
        try
        {
            await lab.Timeline.WaitForAsync(on, TimeSpan.FromMinutes(10), cancellationToken: abort.Token).ConfigureAwait(false);
            await abort.CancelAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimelineTimeoutException or ObjectDisposedException)
        {
            // The exchange ended first.
        }
    }

    private async Task<CheckResponse> SendWithHttpClientAsync(CheckRequest request, CancellationToken cancellationToken)
    {
        var timeline = lab.Timeline;
        var actor = request.Name;
        using var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                TargetHost = Host,
                // The lab's throwaway certificate (or the user's): what is checked is the proxy's behaviour, not the chain.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            },
        };
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var uri = new Uri($"{(_listener.Tls ? "https" : "http")}://{proxy.Endpoint}{request.Path}");
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), uri)
        {
            Version = _listener.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        message.Headers.Host = Host;
        if (request.UploadBytes > 0) message.Content = new ByteArrayContent(new byte[request.UploadBytes]);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(request.Deadline);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
        var giveUp = request.AbortOn is { } on ? GiveUpAsync(on, abort) : Task.CompletedTask;
        var clock = Stopwatch.StartNew();
        timeline.Record(new LabEvent(Side.Client, EventKind.RequestSent, $"{request.Method} {request.Path} over {_listener.Protocol}" + (request.UploadBytes > 0 ? $" with a {request.UploadBytes}-byte body" : "")) { Actor = actor });
        int? status = null;
        long? length = null;
        long body = 0;
        string? framing = null;
        try
        {
            return await ExchangeAsync().ConfigureAwait(false);
        }
        finally
        {
            if (!abort.IsCancellationRequested) await abort.CancelAsync().ConfigureAwait(false);
            await giveUp.ConfigureAwait(false);
        }

        async Task<CheckResponse> ExchangeAsync()
        {
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, abort.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            length = response.Content.Headers.ContentLength;
            framing = response.Version.Major >= 2 ? "http2" : length is not null ? "content-length" : response.Headers.TransferEncodingChunked == true ? "chunked" : "close-delimited";
            timeline.Record(new LabEvent(Side.Client, EventKind.ResponseHeaders, $"HTTP {status} (HTTP/{response.Version})" + (length is { } cl ? $", Content-Length {cl}" : "")) { Actor = actor, Status = status });
            await using var stream = await response.Content.ReadAsStreamAsync(abort.Token).ConfigureAwait(false);
            var buffer = new byte[request.ReadBytesPerSecond is null ? 64 * 1024 : 16 * 1024];
            int n;
            while ((n = await stream.ReadAsync(buffer, abort.Token).ConfigureAwait(false)) > 0)
            {
                body += n;
                if (request.ReadBytesPerSecond is { } rate)
                {
                    var due = TimeSpan.FromSeconds(body / rate) - clock.Elapsed;
                    if (due > TimeSpan.Zero) await Task.Delay(due, abort.Token).ConfigureAwait(false);
                }
            }
            var complete = length is null || body == length;
            timeline.Record(new LabEvent(Side.Client, EventKind.ResponseCompleted, $"HTTP {status}: {body} body bytes in {clock.Elapsed.TotalMilliseconds:0} ms") { Actor = actor, Bytes = body, Status = status });
            return new CheckResponse { Status = status, BodyBytes = body, ContentLength = length, Complete = complete, Uploaded = request.UploadBytes, UploadObserved = false, Framing = framing };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var gaveUp = !deadline.IsCancellationRequested;
            timeline.Record(gaveUp
                ? new LabEvent(Side.Client, EventKind.Note, $"the client gives up after {clock.Elapsed.TotalMilliseconds:0} ms ({(_listener.Http2 ? "RST_STREAM on its HTTP/2 stream" : "it closes the connection")})") { Actor = actor }
                : new LabEvent(Side.Client, EventKind.RequestFailed, $"the client's own deadline of {request.Deadline.TotalSeconds:0.#} s ran out: it gives up") { Failure = SocketFailure.TimedOut, Actor = actor });
            return new CheckResponse { Status = status, BodyBytes = body, ContentLength = length, Failure = gaveUp ? null : SocketFailure.TimedOut, UploadObserved = false, Framing = framing };
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            var (failure, _) = SocketFailures.Classify(e);
            timeline.RecordFailure(new LabEvent(Side.Client, status is null ? EventKind.RequestFailed : EventKind.ResponseTruncated, $"after {clock.Elapsed.TotalMilliseconds:0} ms, {body} body bytes") { Actor = actor, Bytes = body }, e);
            return new CheckResponse { Status = status, BodyBytes = body, ContentLength = length, Truncated = status is not null, Failure = failure ?? SocketFailure.EndOfStream, UploadFailure = status is null && request.UploadBytes > 0 ? failure : null, UploadObserved = false, Framing = framing };
        }
        }
    }
}
