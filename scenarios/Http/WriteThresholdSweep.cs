using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Http;

/// <summary>
/// The companion of over-8kb-write: a binary search for the smallest response that fails after the client has
/// closed, for several write sizes. It shows that the threshold is "one write plus one byte", whatever the write size.
/// </summary>
internal static class WriteThresholdSweep
{
    private static readonly int[] ChunkSizes = [1024, 4096, 8192];
    private const int Largest = 64 * 1024;

    public static Scenario Definition { get; } = new(
        ScenarioIds.WriteThresholdSweep,
        "http",
        "Sweep: the smallest response that breaks the pipe, per write size",
        Seeds.GoOver8Kb,
        new Story(
            Wire: "For each write size C the lab binary-searches N between 1 and 64 KiB: a fresh server reads the request, waits until the client's FIN has arrived, then writes N bytes in C-byte sends. A response fails exactly when it needs a second send().",
            Why: "The first send() after a FIN always succeeds and provokes the RST that makes the next one fail. So the smallest failing size is C + 1: 1025, 4097, 8193. Go's 4 KiB response buffer is why the seed saw 'over 8 KB' (two buffer flushes, headers included).",
            Diagnose: "If an error appears only above some response size, look for a buffer of half that size (or of that size minus the headers) between your code and the socket.",
            Fix: "Check for the peer's close before writing (or use the framework's abort signal): then no size fails."),
        Broken: new ScenarioVariant(
            "the smallest failing N is C + 1 for every write size C: 1025, 4097, 8193",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, abandon: false, ct),
            [.. ChunkSizes.Select(c => Expect.Event($"C={c}: the smallest failing N is {c + 1}", e => e.Actor == Actor(c) && e.Measurement is { Name: SmallestFailing } m && m.Value == c + 1))]),
        Fixed: new ScenarioVariant(
            "a server that checks for the peer's close before writing fails at no size up to 64 KiB",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, abandon: true, ct),
            [.. ChunkSizes.Select(c => Expect.Event($"C={c}: no size up to {Largest} fails", e => e.Actor == Actor(c) && e.Measurement is { Name: NoneFails } m && m.Value == Largest))]));

    private const string SmallestFailing = "smallest-failing-response";
    private const string NoneFails = "largest-response-tried-none-failed";

    private static string Actor(int chunk) => $"sweep[c{chunk}]";

    private static async Task RunAsync(LabSandbox lab, bool abandon, CancellationToken ct)
    {
        foreach (var chunk in ChunkSizes)
        {
            var actor = Actor(chunk);
            if (!await FailsAsync(lab, chunk, Largest, abandon, ct))
            {
                lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.Measured, $"no response up to {Largest} bytes fails with {chunk}-byte writes") { Actor = actor, Measurement = new(NoneFails, Largest, "bytes") });
                continue;
            }
            int pass = 0, fail = Largest;
            while (fail - pass > 1)
            {
                var mid = pass + ((fail - pass) / 2);
                if (await FailsAsync(lab, chunk, mid, abandon, ct)) fail = mid;
                else pass = mid;
            }
            lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.Measured, $"with {chunk}-byte writes: {pass} bytes pass, {fail} bytes fail (EPIPE on send #2)") { Actor = actor, Measurement = new(SmallestFailing, fail, "bytes") });
        }
    }

    /// <summary>One probe in a scratch lab of its own; only its verdict goes on the scenario's timeline.</summary>
    private static async Task<bool> FailsAsync(LabSandbox lab, int chunk, int total, bool abandon, CancellationToken ct)
    {
        await using var probe = new LabSandbox($"sweep-probe-{chunk}-{total}");
        var server = await RawTcpServer.StartAsync(
            probe,
            new RawTcpServerOptions { WaitForPeerClose = true, ChunkBytes = chunk, ResponseBytes = total, Http = false, AbandonIfPeerClosed = abandon },
            ct);
        await RawHttpClient.RunAsync(probe, server.Endpoint, new RawHttpOptions { CloseWhen = Trigger.AfterRequest }, ct);
        await probe.Timeline.WaitForAsync(EventKind.HandlerCompleted, TimeSpan.FromSeconds(10), Side.Server, cancellationToken: ct);
        var failure = probe.Timeline.Snapshot().FirstOrDefault(e => e.Kind == EventKind.SendFailed);
        lab.Timeline.Record(new LabEvent(
            Side.Server,
            failure is null ? EventKind.Note : EventKind.SendFailed,
            failure is null ? $"N={total}, C={chunk}: no send fails" : $"N={total}, C={chunk}: send #{failure.Index} fails")
        {
            Failure = failure?.Failure,
            Errno = failure?.Errno,
            Actor = $"probe[c{chunk}]",
            Bytes = total,
            Index = failure?.Index,
        });
        return failure is not null;
    }
}
