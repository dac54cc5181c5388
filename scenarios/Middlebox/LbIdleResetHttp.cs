using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Scenarios.Middlebox;

/// <summary>
/// HttpClient reuses a pooled connection whose flow a load balancer forgot while it was idle: the request is answered
/// with an RST, and SocketsHttpHandler does not retry it — not even a GET.
/// </summary>
internal static class LbIdleResetHttp
{
    private const string Get = "httpclient[get]";
    private const string Post = "httpclient[post]";
    private const int UploadBytes = 64;

    /// <summary>The middlebox forgets a flow after this much idleness (AWS's NLB: 350 s).</summary>
    private static readonly TimeSpan LbIdle = TimeSpan.FromSeconds(3);

    /// <summary>The quiet time between requests: longer than the middlebox's idle timeout.</summary>
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(4);

    /// <summary>
    /// The fix. The pool enforces it only on a scavenger tick every max(timeout / 4, 1 s), so a connection can stay up
    /// to 1.5 s here, under the middlebox's 3 s with 1.5 s to spare: on a loaded machine the tick itself comes late.
    /// </summary>
    private static readonly TimeSpan FixedPoolIdle = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    private const string Chain = "HttpRequestException → IOException → SocketException (104)";

    public static Scenario Definition { get; } = new(
        ScenarioIds.LbIdleResetHttp,
        "middlebox",
        "A load balancer forgets an idle flow: HttpClient's next request on the pooled connection meets an RST",
        Seeds.Redis,
        new Story(
            Wire: "Two HttpClients send a GET and a POST through a middlebox that forgets flows idle for 3 s, as AWS's Network Load Balancer does after 350 s. Both succeed and their connections go back to the pool. After 4 s of silence the next request goes out on the pooled connection; the middlebox no longer knows the flow and answers with an RST, to the client and to Kestrel. The client fails within milliseconds: HttpRequestException → IOException 'Connection reset by peer' → SocketException (104). SocketsHttpHandler does not retry, not even the GET: it retries only after a clean FIN. The request never reached Kestrel, which logs only a connection reset.",
            Why: "The middlebox keeps per-flow state that neither end can see, and its idle timeout is shorter than the client pool's. The ends learn that the flow is gone only by sending, so the first request after each quiet period fails and the next one, on a new connection, works: rare, bursty resets after nights and weekends. In production: an NLB or NAT gateway (350 s) with a pool idle timeout above it, or a firewall shorter than the pool's 1-minute default.",
            Diagnose: "ECONNRESET ('Connection reset by peer' while reading) on the first request after a quiet period, within milliseconds (not a timeout), on a reused connection: no new connect before it, and the retry succeeds. The server has no log line for that request; at most it logs a connection reset at the same instant. A capture on the client shows nothing during the idle period, then the request, then an RST from the load balancer's address. NLB's TCP_ELB_Reset_Count metric counts the RSTs it generated. Compare the idle timeout of every load balancer, NAT and firewall in the path with SocketsHttpHandler.PooledConnectionIdleTimeout.",
            Fix: "Set PooledConnectionIdleTimeout so that it plus its scavenger's period, max(timeout / 4, 1 s), stays below the middlebox's idle timeout: here 500 ms against 3 s; behind a 350-s NLB, 4 minutes. A request after a quiet period then opens a new connection. Alternatives: TCP keepalive below the idle timeout (a real NLB counts it), and retrying idempotent requests on ECONNRESET; a POST needs an idempotency key first."),
        Broken: new ScenarioVariant(
            "pool idle timeout 1 min, middlebox 3 s, 4 s of idleness: the reused GET and POST are answered with the middlebox's RST and fail at once with HttpRequestException → IOException (Connection reset by peer) → SocketException (104); no retry (one connection per client); Kestrel never sees them and logs a reset on both connections; the middlebox disconnects first",
            Gap,
            BrokenAsync,
            [
                Expect.That(
                    "the first GET and the first POST get 200",
                    events => events.Count(e => e.Kind == EventKind.ResponseCompleted && e.Status == 200 && e.Actor is $"{Get}#1" or $"{Post}#1") == 2),
                Expect.That(
                    "during the idle period neither the middlebox nor the clients record anything: the middlebox forgets the flows silently",
                    NothingDuringIdle),
                Expect.That(
                    "the middlebox resets each forgotten flow only when the reused request arrives (within 250 ms of it being sent)",
                    events => On.Within(events, On.Kind(EventKind.RequestSent, $"{Get}#2"), On.Kind(EventKind.ClosedRst, "middlebox[get]#1"), TimeSpan.FromMilliseconds(250)) &&
                              On.Within(events, On.Kind(EventKind.RequestSent, $"{Post}#2"), On.Kind(EventKind.ClosedRst, "middlebox[post]#1"), TimeSpan.FromMilliseconds(250))),
                Expect.That("the reused GET fails within 1 s with " + Chain, events => FailsWithReset(events, Get)),
                Expect.That("the reused POST fails the same way", events => FailsWithReset(events, Post)),
                Expect.That(
                    "on each client it is the read of the response that fails with ECONNRESET; no write fails",
                    events => events.Any(On.Failed(EventKind.ReceiveFailed, $"{Get}-conn#1", Errno.ECONNRESET)) &&
                              events.Any(On.Failed(EventKind.ReceiveFailed, $"{Post}-conn#1", Errno.ECONNRESET)) &&
                              !events.Any(e => e.Side == Side.Client && e.Kind == EventKind.SendFailed)),
                Expect.That(
                    "SocketsHttpHandler does not retry, not even the GET: each client opened exactly one connection",
                    events => Connections(events, Get) == 1 && Connections(events, Post) == 1),
                Expect.That(
                    "Kestrel receives only the two first requests and logs a reset on both of its connections, after the reused requests were sent",
                    events => events.Count(On.Kind(EventKind.RequestReceived)) == 2 &&
                              events.Where(On.Kind(EventKind.KestrelReset)).ToList() is { Count: 2 } resets &&
                              events.Where(e => e.Kind == EventKind.RequestSent && e.Actor is $"{Get}#2" or $"{Post}#2").Select(e => e.At).DefaultIfEmpty(TimeSpan.MaxValue).Min() is var sent &&
                              resets.All(r => r.At > sent)),
                Expect.FirstDisconnect(Side.Middlebox, "RST"),
            ]),
        Fixed: new ScenarioVariant(
            "pool idle timeout 500 ms, below the middlebox's 3 s: the pool closes each idle connection itself (FIN) before the middlebox forgets it; 3 GETs and 3 POSTs, 4 s apart, each on a new connection, all get 200; no RST",
            2 * Gap,
            FixedAsync,
            [
                Expect.That("all 3 GETs and all 3 POSTs get 200", events => events.Count(e => e.Side == Side.Client && e.Kind == EventKind.ResponseCompleted && e.Status == 200) == 6),
                Expect.No("no request fails", On.Kind(EventKind.RequestFailed)),
                Expect.No("the middlebox never resets a flow", e => e.Side == Side.Middlebox && e.Kind == EventKind.ClosedRst),
                Expect.That(
                    "each request goes out on a new connection: 3 connections per client, 3 flows per middlebox",
                    events => Connections(events, Get) == 3 && Connections(events, Post) == 3 &&
                              events.Count(e => e.Kind == EventKind.Accepted && e.Side == Side.Middlebox) == 6),
                Expect.That(
                    "the pool closes each connection that a later request could have reused itself, with a FIN less than 3 s after its response (before the middlebox forgets the flow)",
                    events => ClosedByPoolInTime(events, Get) && ClosedByPoolInTime(events, Post)),
                Expect.That(
                    "Kestrel receives all 6 requests and logs no reset",
                    events => events.Count(On.Kind(EventKind.RequestReceived)) == 6 && !events.Any(On.Kind(EventKind.KestrelReset))),
            ]))
    {
        Produces = [Signature.Fails(Side.Client, SocketFailure.ConnectionReset, Errno.ECONNRESET)],
        Timeout = TimeSpan.FromMinutes(1),
    };

    private static async Task BrokenAsync(LabSandbox lab, CancellationToken ct)
    {
        var clients = await StartAsync(lab, new LabHttpClientOptions().PooledConnectionIdleTimeout, ct);
        await clients.RoundAsync(ct);
        await lab.IdleAsync(Gap, "longer than the middlebox's 3 s idle timeout, far shorter than the pool's 1 minute", ct);
        await clients.RoundAsync(ct);
        // Kestrel's logger reports the reset of its two connections on its own thread.
        await WaitForCountAsync(lab, On.Kind(EventKind.KestrelReset), 2, "Kestrel to log the reset of both connections", ct);
        await HandlersDoneAsync(lab, ct);
    }

    private static async Task FixedAsync(LabSandbox lab, CancellationToken ct)
    {
        var clients = await StartAsync(lab, FixedPoolIdle, ct);
        for (var round = 1; round <= 3; round++)
        {
            if (round > 1) await lab.IdleAsync(Gap, "longer than the middlebox's 3 s idle timeout, and than the pool's 500 ms", ct);
            await clients.RoundAsync(ct);
        }
        // The last round's connections are never reused: the lab closes them at the end, no need to wait for the pool.
        await HandlersDoneAsync(lab, ct);
    }

    private static async Task<Clients> StartAsync(LabSandbox lab, TimeSpan poolIdle, CancellationToken ct)
    {
        var kestrel = await KestrelServer.StartAsync(
            lab,
            async x =>
            {
                if (x.Context.Request.Method == HttpMethod.Post.Method) await x.ReadBodyAsync();
                await x.WriteAsync(256);
            },
            cancellationToken: ct);
        // One middlebox per client, so that each client's connections are flows #1, #2, … of its own middlebox.
        var toGet = await TcpMiddlebox.StartAsync(lab, kestrel.Endpoint, new ResetAfterIdleFault(LbIdle), "middlebox[get]", ct);
        var toPost = await TcpMiddlebox.StartAsync(lab, kestrel.Endpoint, new ResetAfterIdleFault(LbIdle), "middlebox[post]", ct);
        // A short request timeout bounds every request; none of them should need more than milliseconds.
        var get = LabHttpClient.Create(lab, new LabHttpClientOptions { Name = Get, PooledConnectionIdleTimeout = poolIdle, Timeout = Bound });
        var post = LabHttpClient.Create(lab, new LabHttpClientOptions { Name = Post, PooledConnectionIdleTimeout = poolIdle, Timeout = Bound });
        return new Clients(get, new Uri($"http://{toGet.Endpoint}/items"), post, new Uri($"http://{toPost.Endpoint}/orders"));
    }

    /// <summary>Every request Kestrel received has finished its handler: the server's side of the timeline is whole.</summary>
    private static async Task HandlersDoneAsync(LabSandbox lab, CancellationToken ct)
    {
        foreach (var received in lab.Timeline.Snapshot().Where(On.Kind(EventKind.RequestReceived)).ToList())
        {
            await Waits.HandlerDoneAsync(lab.Timeline, received.Actor!, Bound, ct);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> events match.</summary>
    private static Task<LabEvent> WaitForCountAsync(LabSandbox lab, Func<LabEvent, bool> match, int count, string what, CancellationToken ct)
    {
        // The timeline offers each event to the predicate exactly once (past events, then new ones, under its lock).
        var seen = 0;
        return lab.Timeline.WaitForAsync(e => match(e) && ++seen == count, Bound, what, ct);
    }

    private static bool FailsWithReset(IReadOnlyList<LabEvent> events, string client) =>
        On.Within(
            events,
            On.Kind(EventKind.RequestSent, $"{client}#2"),
            e => e.Kind == EventKind.RequestFailed && e.Actor == $"{client}#2" && e.Errno == Errno.ECONNRESET && e.Exceptions is ["HttpRequestException", "IOException", "SocketException"],
            TimeSpan.FromSeconds(1));

    private static int Connections(IReadOnlyList<LabEvent> events, string client) =>
        events.Count(e => e.Side == Side.Client && e.Kind == EventKind.Connected && e.Actor!.StartsWith($"{client}-conn#", StringComparison.Ordinal));

    /// <summary>No middlebox or client event between the end of the first round and the start of the second.</summary>
    private static bool NothingDuringIdle(IReadOnlyList<LabEvent> events)
    {
        var done = events.Where(e => e.Kind == EventKind.ResponseCompleted && e.Actor is $"{Get}#1" or $"{Post}#1").ToList();
        var next = events.Where(e => e.Kind == EventKind.RequestSent && e.Actor is $"{Get}#2" or $"{Post}#2").ToList();
        if (done.Count != 2 || next.Count != 2) return false;
        var from = done.Max(e => e.At);
        var to = next.Min(e => e.At);
        // The two clients idle side by side, each for Gap after its own response: the shared quiet window is a little shorter.
        return to - from >= Gap - TimeSpan.FromMilliseconds(200) && !events.Any(e => e.Side is Side.Client or Side.Middlebox && e.At > from && e.At < to);
    }

    /// <summary>
    /// Connections #1 and #2 of the client (each followed by another request) served request #k and were closed by the
    /// pool with a FIN within the middlebox's idle timeout.
    /// </summary>
    private static bool ClosedByPoolInTime(IReadOnlyList<LabEvent> events, string client) =>
        Enumerable.Range(1, 2).All(k => On.Gap(
                events,
                e => e.Kind == EventKind.ResponseCompleted && e.Actor == $"{client}#{k}",
                e => e.Kind == EventKind.ClosedFin && e.Actor == $"{client}-conn#{k}") is { } idle &&
            idle > FixedPoolIdle && idle < LbIdle);

    private sealed record Clients(LabHttpClient Get, Uri GetUri, LabHttpClient Post, Uri PostUri)
    {
        /// <summary>One GET and one POST at the same time, each on its own client and middlebox.</summary>
        public Task RoundAsync(CancellationToken ct) =>
            Task.WhenAll(Get.GetAsync(GetUri, ct), Post.SendAsync(HttpMethod.Post, PostUri, UploadBytes, ct));
    }
}
