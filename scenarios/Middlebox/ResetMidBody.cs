using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Parts.RawTcp;
using Polly;
using Polly.Retry;

namespace BrokenPipe.Scenarios.Middlebox;

/// <summary>A middlebox resets a download after 1 MB of 10 MB: the client must treat the short body as a failure.</summary>
internal static class ResetMidBody
{
    private const int Body = 10 * 1024 * 1024;
    private const long Cut = 1024 * 1024;

    public static Scenario Definition { get; } = new(
        ScenarioIds.ResetMidBody,
        "middlebox",
        "A middlebox resets a 10 MB download after 1 MB",
        Seeds.Guide,
        new Story(
            Wire: "A load balancer, firewall or NAT in the path kills the flow after 1 MB of a 10 MB response: an RST to both ends. The client's next read fails with ECONNRESET in the middle of the body; HttpClient throws while the body is being read — an IOException 'Unable to read data from the transport connection: Connection reset by peer' over a SocketException (104) — after the 200 status and the headers were already handed to the application. The server's next write meets the reset: a raw server's send() fails with ECONNRESET (or EPIPE once the error was taken), Kestrel logs the reset and stops the response.",
            Why: "Neither end closed: something in between did — a reboot, an idle or connection-count limit, a security device. The status code was already 200 when it happened, so code that checks only the status (or only catches errors before the body) stores a truncated download.",
            Diagnose: "Errors mid-body at arbitrary offsets that do not depend on the server; the server logs a reset it did not cause; a packet capture on each side shows an RST neither peer sent. Compare bytes received with Content-Length.",
            Fix: "The client treats a short body as a failure (the exception while reading the body, or fewer bytes than Content-Length) and retries the idempotent GET — here with a Polly retry — on a new connection. Non-idempotent requests need an idempotency key before they can be retried."),
        Broken: new ScenarioVariant(
            "the middlebox resets both flows after 1 MB downstream: HttpClient fails while reading the body with the reset, after the 200 headers; Kestrel logs the reset; the raw server's send fails with ECONNRESET or EPIPE; the middlebox disconnects first",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, retry: false, ct),
            [
                Expect.Event("the client got the 200 headers before the body broke", e => e.Kind == EventKind.ResponseHeaders && e.Status == 200 && e.Actor == "httpclient[kestrel]#1"),
                Expect.Event(
                    "HttpClient fails while reading the body: IOException 'Unable to read data from the transport connection: Connection reset by peer' → SocketException (104)",
                    e => e.Side == Side.Client && e.Actor == "httpclient[kestrel]#1" && e.Kind == EventKind.RequestFailed && e.Errno == Errno.ECONNRESET &&
                         e.Exceptions is [.., "IOException", "SocketException"]),
                Expect.Event("Kestrel logs the reset", On.Kind(EventKind.KestrelReset)),
                Expect.Event("the raw server's send fails with ECONNRESET or EPIPE", e => e.Actor == "raw-server" && e.Kind == EventKind.SendFailed && On.IsSocketFailure(e)),
                Expect.FirstDisconnect(Side.Middlebox, "RST"),
            ]),
        Fixed: new ScenarioVariant(
            "the same reset on the first connection, but the client checks the body and retries the idempotent GET with Polly on a new connection: both downloads complete with all 10 MB",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, retry: true, ct),
            [
                Expect.That("both downloads complete with the whole body", events => events.Count(e => e.Kind == EventKind.ResponseCompleted && e.Bytes > Body - 1024) == 2),
                Expect.That("each client needed exactly one retry", events => events.Count(e => e.Kind == EventKind.Note && e.Actor == "polly") == 2),
            ]))
    {
        Produces = [Signature.Fails(Side.Client, SocketFailure.ConnectionReset, Errno.ECONNRESET)],
    };

    private static async Task RunAsync(LabSandbox lab, bool retry, CancellationToken ct)
    {
        var kestrel = await KestrelServer.StartAsync(lab, x => x.StreamAsync(Body), cancellationToken: ct);
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { ResponseBytes = Body, ChunkBytes = 64 * 1024 }, ct);
        // A transient fault: only each middlebox's first connection is reset, so a retry on a new one gets through.
        var toKestrel = await TcpMiddlebox.StartAsync(lab, kestrel.Endpoint, ResetFault.AfterBytesIn(Direction.Downstream, Cut, firstFlows: 1), "middlebox[kestrel]", ct);
        var toRaw = await TcpMiddlebox.StartAsync(lab, raw.Endpoint, ResetFault.AfterBytesIn(Direction.Downstream, Cut, firstFlows: 1), "middlebox[raw]", ct);
        await Task.WhenAll(
            DownloadAsync(lab, toKestrel, "httpclient[kestrel]", retry, ct),
            DownloadAsync(lab, toRaw, "httpclient[raw]", retry, ct));
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", TimeSpan.FromSeconds(10), ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "raw-server", TimeSpan.FromSeconds(10), ct);
    }

    private static async Task DownloadAsync(LabSandbox lab, TcpMiddlebox box, string name, bool retry, CancellationToken ct)
    {
        var client = LabHttpClient.Create(lab, new LabHttpClientOptions { Name = name });
        var uri = new Uri($"http://{box.Endpoint}/download");
        if (!retry)
        {
            await client.GetAsync(uri, ct);
            return;
        }
        // The fix: a body that did not arrive whole is a failure, and an idempotent GET may be retried.
        var pipeline = new ResiliencePipelineBuilder<LabHttpResult>()
            .AddRetry(new RetryStrategyOptions<LabHttpResult>
            {
                ShouldHandle = new PredicateBuilder<LabHttpResult>().HandleResult(r => !r.Complete || r.BodyBytes != r.ContentLength),
                MaxRetryAttempts = 3,
                Delay = TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Exponential,
                OnRetry = args =>
                {
                    lab.Timeline.Note(Side.Client, $"{name}: short body ({args.Outcome.Result?.BodyBytes} bytes): retry #{args.AttemptNumber + 1} of the GET", "polly");
                    return default;
                },
            })
            .Build();
        await pipeline.ExecuteAsync(async token => await client.GetAsync(uri, token), ct);
    }
}
