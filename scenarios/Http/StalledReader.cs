using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Http;

/// <summary>Seed 000, backpressure: a client that stops reading a 100 MB response, and what Kestrel does about it.</summary>
internal static class StalledReader
{
    private const long Total = 100L * 1024 * 1024;
    private static readonly TimeSpan BrokenWindow = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan FixedBound = TimeSpan.FromSeconds(12);

    /// <summary>The fix: 1 MB/s after a 2 s grace. With ≈4 MB in flight when the reader stalls, Kestrel gives up ≈5 s in.</summary>
    private static readonly DataRate FixedRate = new(1024 * 1024, TimeSpan.FromSeconds(2));

    public static Scenario Definition { get; } = new(
        ScenarioIds.StalledReader,
        "http",
        "A client stops reading: the writer blocks, and Kestrel's default rate limit does not save it",
        Seeds.Guide,
        new Story(
            Wire: "The client asks for 100 MB and stops reading with a small receive buffer. Its window closes; the server's Send-Q fills (ss shows Send-Q in the megabytes, 'rwnd_limited' near 100 %, zero-window probes with a growing backoff) and Kestrel's WriteAsync stops completing. Nothing is closed: no FIN, no RST, no error — the connection just hangs while holding a request, a thread of work and memory.",
            Why: "Kestrel's MinResponseDataRate (240 bytes/s after a 5 s grace) looks like a guard against stalled readers, but its deadline grows with every byte written: after a ≈4 MB burst it would allow ≈4.5 hours. So with the default a stalled client is not aborted in any useful time. A rate that matches the real expectation (1 MB/s, 2 s grace) aborts it within seconds: Kestrel logs event 28 of Microsoft.AspNetCore.Server.Kestrel.BadRequests and resets the connection (at Debug level only).",
            Diagnose: "ss -tni on the server: ESTAB with a large Send-Q and rwnd_limited near 100 % means the peer stopped reading; on the client side a full Recv-Q. Turn Kestrel's Microsoft.AspNetCore.Server.Kestrel.BadRequests logging to Debug to see event 28.",
            Fix: "Set KestrelServerLimits.MinResponseDataRate to a rate and grace that fit your slowest legitimate client (here 1 MB/s after 2 s), and pass RequestAborted to the producer so the work stops when Kestrel gives up."),
        Broken: new ScenarioVariant(
            $"with Kestrel's default MinResponseDataRate (240 B/s, 5 s grace) the stalled reader is not aborted within {BrokenWindow.TotalSeconds:0} s: ss shows the server's Send-Q and the client's Recv-Q full; only the client's own close (RST) ends it",
            BrokenWindow,
            (lab, ct) => RunAsync(lab, Variant.Broken, ct),
            [
                Expect.Event("the client stops reading", Side.Client, EventKind.ReadStalled),
                Expect.Event("ss: the server's Send-Q holds more than 64 KB", e => e.Kind == EventKind.SocketSnapshot && e.Side == Side.Server && e.Bytes > 64 * 1024),
                Expect.Event("ss: the client's Recv-Q is not empty", e => e.Kind == EventKind.SocketSnapshot && e.Side == Side.Client && e.Bytes > 0),
                Expect.No("Kestrel does not abort the stalled reader (no event 28)", On.Kind(EventKind.KestrelMinDataRateAbort)),
                Expect.FirstDisconnect(Side.Client, "RST"),
                Expect.Event("after the client's RST the blocked writes return and the rest is produced into nothing", e => e.Kind == EventKind.WorkSummary && e.Bytes > 0),
            ]),
        Fixed: new ScenarioVariant(
            "MinResponseDataRate 1 MB/s with a 2 s grace: Kestrel aborts the stalled reader within 8 s (event 28, 'sending RST because … minimum data rate'); the client, reading again, gets ECONNRESET",
            // grace 2 s + up to 1 s heartbeat + ≈2.8 MB in flight at 1 MB/s
            TimeSpan.FromSeconds(6),
            (lab, ct) => RunAsync(lab, Variant.Fixed, ct),
            [
                Expect.Event("the client stops reading", Side.Client, EventKind.ReadStalled),
                Expect.That(
                    "Kestrel aborts within 8 s of the stall (BadRequests event 28)",
                    events => On.Within(events, On.Kind(EventKind.ReadStalled), On.Kind(EventKind.KestrelMinDataRateAbort), TimeSpan.FromSeconds(8))),
                Expect.Event("Kestrel resets the connection: 'sending RST because … minimum data rate'", e => e.Kind == EventKind.KestrelSendingRst && e.Failure == SocketFailure.TimedOut),
                Expect.FirstDisconnect(Side.Server, "RST"),
                Expect.Event("the client, reading again, gets ECONNRESET", e => e.Side == Side.Client && e.Kind == EventKind.ReceiveFailed && e.Errno == Errno.ECONNRESET),
            ]));

    private static async Task RunAsync(LabSandbox lab, Variant variant, CancellationToken ct)
    {
        var broken = variant == Variant.Broken;
        var server = await KestrelServer.StartAsync(
            lab,
            x => x.StreamAsync(Total, honourAbort: !broken),
            new KestrelOptions { MinResponseDataRate = broken ? DataRate.KestrelDefault : FixedRate },
            ct);
        var client = RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions
            {
                Read = ReadMode.Stall,
                ReceiveBuffer = 4096,
                // Broken: the client gives up after the window. Fixed: it reads again once Kestrel has given up.
                ResumeWhen = broken ? null : Trigger.On(On.Kind(EventKind.KestrelSendingRst), "Kestrel has reset the connection"),
                CloseWhen = Trigger.After(broken ? BrokenWindow : FixedBound),
                CloseWithUnreadData = true,
            },
            ct);
        await lab.Timeline.WaitForAsync(EventKind.ReadStalled, TimeSpan.FromSeconds(10), Side.Client, cancellationToken: ct);
        // The stall needs a moment to fill the buffers: that moment is what is being observed, not a synchronisation.
        await Task.Delay(TimeSpan.FromSeconds(1), ct);
        await SocketStats.SnapshotAsync(lab, server.Port, ct);
        await client;
        await lab.Timeline.WaitForAsync(EventKind.WorkSummary, TimeSpan.FromSeconds(20), Side.Server, cancellationToken: ct);
    }
}
