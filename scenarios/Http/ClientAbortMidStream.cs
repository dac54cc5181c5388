using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Http;

/// <summary>Seed 000: "the client disconnected while the server was still sending a response".</summary>
internal static class ClientAbortMidStream
{
    private const long Total = 50L * 1024 * 1024;
    private const long ClientReads = 1024 * 1024;
    private const int Chunk = 64 * 1024;

    public static Scenario Definition { get; } = new(
        ScenarioIds.ClientAbortMidStream,
        "http",
        "The client leaves in the middle of a 50 MB download",
        Seeds.Guide,
        new Story(
            Wire: "The client reads 1 MB of a 50 MB response and closes. Unread bytes are still in its receive buffer, so its kernel sends an RST rather than a FIN. The raw server's next send() fails with ECONNRESET (or EPIPE if the error was already consumed). Kestrel sees the reset, fires RequestAborted — and then lets every later WriteAsync return at once without error.",
            Why: "A browser tab closed, a download canceled, a mobile client that lost signal: the peer leaves mid-response. A C or Go server hears about it on its next write. A .NET handler that never looks at RequestAborted is not told at all: it goes on producing (querying, serialising) the remaining ~49 MB for nobody. Worse, when the RST lands during a write Kestrel logs 'sending RST because: Broken pipe' and may never fire RequestAborted at all; and even a handler that passes RequestAborted to WriteAsync only stops when the cancellation reaches it — writes into a dead connection complete instantly, so megabytes can slip through first.",
            Diagnose: "In the server log, a broken pipe or reset on a large response with a short duration on the client side. In .NET, compare the bytes produced with the bytes the access log says were sent; log RequestAborted.",
            Fix: "Make disconnect handling explicit in streaming paths: pass HttpContext.RequestAborted to the work and to every write, and write through Response.BodyWriter, stopping when its FlushResult says IsCompleted. That also catches a reset that lands during a write, when RequestAborted never fires."),
        Broken: new ScenarioVariant(
            "the client closes with an RST after 1 MB; the raw server's send fails with ECONNRESET or EPIPE; Kestrel sees the reset and its handler still produces the whole 50 MB, tens of MB of it after the client has gone",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, honourAbort: false, ct),
            [
                .. Common(),
                Expect.Event("Kestrel: the handler produced all 50 MB, more than 25 MB of it after the client had gone", e => e.Kind == EventKind.WorkSummary && e.Index == Total / Chunk && e.Bytes > 25L * 1024 * 1024),
            ]),
        Fixed: new ScenarioVariant(
            "as broken on the wire, but the Kestrel handler passes RequestAborted and writes through BodyWriter, stopping when the flush reports the connection gone: less than 1 MB is produced after the client has gone",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, honourAbort: true, ct),
            [
                .. Common(),
                Expect.Event("Kestrel: the handler stops early, with less than 1 MB produced after the client had gone", e => e.Kind == EventKind.WorkSummary && e.Index < Total / Chunk && e.Bytes < 1024 * 1024),
            ]));

    private static IEnumerable<Check> Common() =>
    [
        Expect.Event("the raw server's client closes with an RST (unread data)", Side.Client, EventKind.ClosedRst, actor: "client[raw]"),
        Expect.Event("the raw server's send fails with ECONNRESET or EPIPE", e => e.Actor == "raw-server" && e.Kind == EventKind.SendFailed && On.IsSocketFailure(e)),
        Expect.Event("Kestrel's client closes with an RST (unread data)", Side.Client, EventKind.ClosedRst, actor: "client[kestrel]"),
        // When the RST lands during a write, Kestrel logs "sending RST because: Broken pipe" and may never fire RequestAborted.
        Expect.Event("Kestrel sees the client go (its transport logs the reset, or RequestAborted fires)", e => e.Kind is EventKind.KestrelReset or EventKind.KestrelSendingRst or EventKind.RequestAborted),
        Expect.No("no write throws an IOException: Kestrel swallows the reset", e => e.Kind == EventKind.WriteFailed && e.Failure != SocketFailure.Canceled),
        Expect.FirstDisconnect(Side.Client, "RST"),
    ];

    private static async Task RunAsync(LabSandbox lab, bool honourAbort, CancellationToken ct)
    {
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { ResponseBytes = Total, ChunkBytes = Chunk }, ct);
        await RawHttpClient.RunAsync(lab, raw.Endpoint, new RawHttpOptions { Name = "client[raw]", CloseWhen = Trigger.AfterBytes(ClientReads), CloseWithUnreadData = true }, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "raw-server", TimeSpan.FromSeconds(10), ct);

        var kestrel = await KestrelServer.StartAsync(lab, x => x.StreamAsync(Total, Chunk, honourAbort), cancellationToken: ct);
        await RawHttpClient.RunAsync(lab, kestrel.Endpoint, new RawHttpOptions { Name = "client[kestrel]", CloseWhen = Trigger.AfterBytes(ClientReads), CloseWithUnreadData = true }, ct);
        await lab.Timeline.WaitForAsync(EventKind.WorkSummary, TimeSpan.FromSeconds(20), Side.Server, cancellationToken: ct);
    }
}
