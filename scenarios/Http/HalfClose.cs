using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Http;

/// <summary>A client that half-closes after its request (nc -N, old load balancers, scripted clients): a raw server answers it, Kestrel does not.</summary>
internal static class HalfClose
{
    private static readonly TimeSpan Work = TimeSpan.FromMilliseconds(500);
    private const int Size = 64 * 1024;
    private const string Raw = "raw[half-close]";
    private const string RawClient = "client[raw]";
    private const string KestrelClient = "client[kestrel]";

    public static Scenario Definition { get; } = new(
        ScenarioIds.HalfClose,
        "http",
        "A client half-closes after its request: a raw server answers it, Kestrel drops it",
        Seeds.Kernel,
        new Story(
            Wire: "The client sends its request, then shutdown(SHUT_WR): a FIN that only says 'I will send no more', while it keeps reading. The server works 0.5 s and answers 64 KB. A raw server (one send() per write, like Go or C) delivers the whole response: the client's socket still reads. Kestrel takes the FIN as the end of the connection: it fires RequestAborted at once, sends its own FIN, and the client reads EOF with zero bytes of response; the handler's later write 'succeeds' into nothing.",
            Why: "TCP allows a half-closed connection, and some clients use it to mark the end of a request: nc -N, scripted clients, some old load balancers and health checkers. curl and browsers never do. Kestrel's socket transport treats a FIN from an HTTP/1.1 client as the client leaving (the same signal that makes RequestAborted useful for clients that really left), and it has no option to keep half-closed connections open.",
            Diagnose: "The client gets an empty reply ('Empty reply from server', EOF before the status line) only from .NET services; a capture shows the client's FIN right after the request and the server's FIN with no data. Kestrel's debug log says 'received FIN' for the connection, and the handler sees RequestAborted within milliseconds of the request.",
            Fix: "Keep the send side open until the response has arrived (nc without -N, close only after reading), or mark the request's end with HTTP itself (Content-Length or chunked encoding), as every HTTP client does. Kestrel offers no setting to allow half-closed HTTP/1.1 connections."),
        Broken: new ScenarioVariant(
            "the client half-closes right after the server read its request: the raw server's response arrives whole; Kestrel fires RequestAborted on the FIN, before the handler writes, the client reads EOF with no response head, and the handler's write returns into nothing",
            Work * 2, // the raw pair, then the Kestrel pair: each server works 0.5 s
            (lab, ct) => RunAsync(lab, CloseMode.HalfClose, ct),
            [
                Expect.Event("raw server: the half-closed client reads the whole response", e => e.Actor == RawClient && e.Kind == EventKind.ResponseCompleted),
                // Ordered by the events it depends on, not by a bound in milliseconds: Kestrel takes the FIN as the client
                // leaving when RequestAborted fires after its 'received FIN' and before the handler, still in its 0.5 s of
                // work, writes (a bound of 250 ms from the FIN missed under a loaded test run: Kestrel logged the FIN 172 ms late).
                Expect.That(
                    "Kestrel: RequestAborted fires on the client's FIN, before the handler's write",
                    events => On.Gap(events, On.Kind(EventKind.KestrelReceivedFin), On.Kind(EventKind.RequestAborted)) >= TimeSpan.Zero
                        && On.Gap(events, On.Kind(EventKind.RequestAborted), On.Kind(EventKind.WriteIntoVoid)) > TimeSpan.Zero),
                Expect.Event("Kestrel: its debug log says 'received FIN'", On.Kind(EventKind.KestrelReceivedFin)),
                Expect.Event("Kestrel: the client reads EOF", e => e.Actor == KestrelClient && e.Kind == EventKind.EndOfStream),
                Expect.No("Kestrel: the client gets no response head", e => e.Actor == KestrelClient && e.Kind == EventKind.ResponseHeaders),
                Expect.Event("Kestrel: the handler's 64 KB write returns without error into nothing", On.Kind(EventKind.WriteIntoVoid)),
                Expect.FirstDisconnect(Side.Client, "FIN"),
            ]),
        Fixed: new ScenarioVariant(
            "the client keeps its send side open until the response has arrived: both responses arrive whole and RequestAborted never fires",
            Work * 2,
            (lab, ct) => RunAsync(lab, CloseMode.Fin, ct),
            [
                Expect.Event("raw server: the client reads the whole response", e => e.Actor == RawClient && e.Kind == EventKind.ResponseCompleted),
                Expect.Event("Kestrel: the client reads the whole 64 KB response", e => e.Actor == KestrelClient && e.Kind == EventKind.ResponseCompleted && e.Bytes == Size),
                Expect.No("Kestrel: RequestAborted never fires", On.Kind(EventKind.RequestAborted)),
            ]))
    {
        Produces = [Signature.Logs("received FIN"), Signature.Fails(Side.Client, SocketFailure.EndOfStream)],
    };

    private static async Task RunAsync(LabSandbox lab, CloseMode close, CancellationToken ct)
    {
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = Raw, Wait = Work, ResponseBytes = Size, ChunkBytes = 16 * 1024 }, ct);
        await RawHttpClient.RunAsync(lab, raw.Endpoint, Client(RawClient, Raw, close), ct);
        await Waits.HandlerDoneAsync(lab.Timeline, Raw, TimeSpan.FromSeconds(10), ct);

        var kestrel = await KestrelServer.StartAsync(
            lab,
            async x =>
            {
                await x.DelayAsync(Work);
                await x.WriteAsync(Size);
            },
            cancellationToken: ct);
        await RawHttpClient.RunAsync(lab, kestrel.Endpoint, Client(KestrelClient, "kestrel#1", close), ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", TimeSpan.FromSeconds(10), ct);
    }

    /// <summary>Half-closes once the server has read the request (by construction, not by a sleep), or closes after the response.</summary>
    private static RawHttpOptions Client(string name, string server, CloseMode close) => close == CloseMode.HalfClose
        ? new RawHttpOptions { Name = name, Close = CloseMode.HalfClose, CloseWhen = Trigger.On(e => e.Kind == EventKind.RequestReceived && e.Actor == server, $"{server} has read the request") }
        : new RawHttpOptions { Name = name, Close = CloseMode.Fin, CloseWhen = Trigger.AtEnd };
}
