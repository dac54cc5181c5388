using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Http;

/// <summary>Seed 001: the Go handler that sleeps 1 s and fails with "broken pipe" only when its response exceeds 8 KB.</summary>
internal static class Over8KbWrite
{
    private static readonly TimeSpan Work = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ClientLeaves = TimeSpan.FromMilliseconds(300);

    // Timed from Kestrel's own read of the FIN, not the client's close(): on a busy machine the FIN can wait for
    // Kestrel's socket loop longer than this, and that wait is the scheduler's, not the story's.
    private static readonly TimeSpan AbortLatency = TimeSpan.FromMilliseconds(250);

    /// <summary>The scenario's own run: the raw reference, Kestrel and the seed's own Go server, side by side.</summary>
    public static Scenario Definition { get; } = Build([Upstream.Raw, Upstream.Kestrel, "go"]) with
    {
        Upstreams = [Upstream.Kestrel, Upstream.Raw, .. Upstream.Languages],
        ForUpstream = u => Build([u]),
        OwnUpstream = "raw+kestrel+go",
    };

    private static Scenario Build(string[] upstreams) => new(
        ScenarioIds.Over8KbWrite,
        "http",
        "Broken pipe only when the response is bigger than one write buffer",
        Seeds.GoOver8Kb,
        new Story(
            Wire: "The client (curl, then ^C) sends its request and closes at 0.3 s with a FIN. The handler wakes at 1 s and writes. The first send() lands in a CLOSE_WAIT socket and succeeds; the client's kernel answers it with an RST; the second send() fails with EPIPE. So the error needs two syscalls: with 4096-byte writes a 4096-byte response passes silently and a 4097-byte one fails on write #2.",
            Why: "Go's net/http buffers the response in a 4 KiB bufio.Writer, so the first socket write happens at 4 KiB and the second one — the one that fails — only when the response is over 8 KiB with its headers included (the question's 8061 + 132 = 8193 bytes). The limit is not in HTTP or curl: it is 'one successful write, then the RST'. Change the chunk size and the threshold moves with it (8192-byte writes: 8192 passes, 8193 fails). Kestrel hides all of this: its WriteAsync never throws for a gone client; RequestAborted fires the moment the FIN arrives.",
            Diagnose: "Compare the response size with the server's write-buffer size; look at when the client left relative to the first write. In Go, r.Context() is already canceled when the write fails; in .NET, log when HttpContext.RequestAborted fires: it tells you the client left long before your write 'succeeded'.",
            Fix: "Stop the work when the client leaves: in Go select on r.Context().Done(); in .NET pass HttpContext.RequestAborted to the work and to WriteAsync (it throws OperationCanceledException at once); in a raw server, check whether the peer has closed before writing."),
        Broken: UpstreamCase.Variant([.. upstreams.Select(BrokenCase)], Work, Expect.FirstDisconnect(Side.Client, "FIN")),
        Fixed: UpstreamCase.Variant([.. upstreams.Select(FixedCase)], Work, Expect.FirstDisconnect(Side.Client, "FIN")))
    {
        Produces = [Signature.Fails(Side.Server, SocketFailure.BrokenPipe, Errno.EPIPE), Signature.Logs("write: broken pipe", "go"), .. Over8KbPolyglot.Words],
        Unavailable = _ => Upstream.Unavailable(upstreams),
    };

    private static UpstreamCase BrokenCase(string upstream) => upstream switch
    {
        Upstream.Raw => new(
            "raw server, 4096-byte writes: N=4096 no error, N=4097 EPIPE on write #2; 8192-byte writes: N=8192 no error, N=8193 EPIPE on write #2",
            RunRawBrokenAsync,
            [
                Expect.No("C=4096, N=4096: no send fails", e => e.Actor == "raw[c4096,n4096]" && e.Kind == EventKind.SendFailed),
                Expect.Event("C=4096, N=4096: the one send succeeds", On.Sent("raw[c4096,n4096]", 1)),
                Expect.Event("C=4096, N=4097: send #2 fails with EPIPE", On.Failed(EventKind.SendFailed, "raw[c4096,n4097]", Errno.EPIPE, 2)),
                Expect.No("C=8192, N=8192: no send fails", e => e.Actor == "raw[c8192,n8192]" && e.Kind == EventKind.SendFailed),
                Expect.Event("C=8192, N=8193: send #2 fails with EPIPE", On.Failed(EventKind.SendFailed, "raw[c8192,n8193]", Errno.EPIPE, 2)),
            ]),
        Upstream.Kestrel => new(
            "Kestrel: RequestAborted within 0.25 s of the client's FIN, and the later WriteAsync returns without error into nothing",
            (lab, ct) => KestrelAsync(lab, honourAbort: false, ct),
            [
                Expect.That(
                    "Kestrel: RequestAborted fires within 250 ms of Kestrel reading the client's FIN (≈0.3 s), long before the write",
                    events => On.Within(events, On.Kind(EventKind.KestrelReceivedFin), e => e.Kind == EventKind.RequestAborted && IsKestrel(e), AbortLatency)
                        && On.Gap(events, e => e.Kind == EventKind.RequestAborted && IsKestrel(e), On.Kind(EventKind.WriteIntoVoid)) > TimeSpan.Zero),
                Expect.Event("Kestrel: the 8193-byte WriteAsync returns without error after the client left", Side.Server, EventKind.WriteIntoVoid),
                Expect.No("Kestrel: no write throws", e => e.Kind == EventKind.WriteFailed && IsKestrel(e)),
            ]),
        _ => Over8KbPolyglot.Broken(upstream, Work, ClientLeaves),
    };

    private static UpstreamCase FixedCase(string upstream) => upstream switch
    {
        Upstream.Raw => new(
            "the raw server checks for the peer's close before writing and writes nothing",
            (lab, ct) => RawAsync(lab, 4096, 8193, abandon: true, ct),
            [
                Expect.No("raw server: no send fails", On.Kind(EventKind.SendFailed)),
                Expect.No("raw server: no send is even attempted", e => e.Kind == EventKind.Sent && e.Side == Side.Server),
            ]),
        Upstream.Kestrel => new(
            "the Kestrel handler passes RequestAborted: its work stops within 0.25 s of the client's FIN and nothing is written",
            (lab, ct) => KestrelAsync(lab, honourAbort: true, ct),
            [
                Expect.That(
                    "Kestrel: the work stops (OperationCanceledException) within 250 ms of Kestrel reading the client's FIN",
                    events => On.Within(events, On.Kind(EventKind.KestrelReceivedFin), e => e.Kind == EventKind.HandlerFailed && e.Failure == SocketFailure.Canceled && IsKestrel(e), AbortLatency)),
                Expect.No("Kestrel: nothing is written into the void", On.Kind(EventKind.WriteIntoVoid)),
            ]),
        _ => Over8KbPolyglot.Fixed(upstream, Work, ClientLeaves),
    };

    private static bool IsKestrel(LabEvent e) => e.Actor?.StartsWith(Upstream.Kestrel, StringComparison.Ordinal) == true;

    private static Task RunRawBrokenAsync(LabSandbox lab, CancellationToken ct) =>
        Task.WhenAll(
            RawAsync(lab, 4096, 4096, abandon: false, ct),
            RawAsync(lab, 4096, 4097, abandon: false, ct),
            RawAsync(lab, 8192, 8192, abandon: false, ct),
            RawAsync(lab, 8192, 8193, abandon: false, ct));

    /// <summary>
    /// A Go-like server: read the request, work 1 s, write N bytes in C-byte sends. The client closes at 0.3 s; the
    /// server also waits (poll) until that close has arrived, so the order holds even on a loaded machine.
    /// </summary>
    private static async Task RawAsync(LabSandbox lab, int chunk, int total, bool abandon, CancellationToken ct)
    {
        var name = $"raw[c{chunk},n{total}]";
        var server = await RawTcpServer.StartAsync(
            lab,
            new RawTcpServerOptions
            {
                Name = name,
                Wait = Work,
                WaitForPeerClose = true,
                ChunkBytes = chunk,
                ResponseBytes = total,
                AbandonIfPeerClosed = abandon,
            },
            ct);
        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = $"client[{name}]", CloseWhen = Trigger.After(ClientLeaves) }, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, name, TimeSpan.FromSeconds(10), ct);
    }

    private static async Task KestrelAsync(LabSandbox lab, bool honourAbort, CancellationToken ct)
    {
        var server = await KestrelServer.StartAsync(
            lab,
            async x =>
            {
                await x.DelayAsync(Work, honourAbort);
                await x.WriteAsync(8193, honourAbort);
            },
            cancellationToken: ct);
        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = "client[kestrel]", CloseWhen = Trigger.After(ClientLeaves) }, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", TimeSpan.FromSeconds(10), ct);
    }
}
