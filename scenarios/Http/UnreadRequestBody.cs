using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Http;

/// <summary>The server answers early and closes while the client is still uploading.</summary>
internal static class UnreadRequestBody
{
    private const long Upload = 50L * 1024 * 1024;
    private const string RawClient = "client[raw]";
    private const string LimitClient = "client[kestrel-413]";
    private const string AbortClient = "client[kestrel-abort]";

    public static Scenario Definition { get; } = new(
        ScenarioIds.UnreadRequestBody,
        "http",
        "The server answers before reading the upload, and the client's upload breaks",
        Seeds.Guide,
        new Story(
            Wire: "The client uploads 50 MB. The server reads only the head, answers 413 and closes. A socket closed with unread bytes in its receive buffer makes the kernel send an RST instead of a FIN, so the client's next send() fails: with ECONNRESET when the RST arrives while the client is writing, with EPIPE when the error was already taken or a FIN came first. Kestrel over its 30 MB MaxRequestBodySize answers 413 and FINs (the client gets EPIPE after a few MB); after HttpContext.Abort() it resets (ECONNRESET, and the response is lost).",
            Why: "Answering early is legitimate HTTP, but closing a connection whose request you did not read is not graceful: TCP has no way to say 'I heard enough'. Both ECONNRESET and EPIPE are correct outcomes here — which one depends only on when the RST arrives relative to the client's write — so a client must treat both the same way. The early response often still sits in the client's receive buffer and can be read after the failed write.",
            Diagnose: "A client error while uploading (not while reading) on large bodies only; a 413/401/400 in the server's access log for the same request. curl hides it: it sends 'Expect: 100-continue' for large bodies and gets the early answer before uploading.",
            Fix: "Read (or drain) the request body before answering and closing — a lingering close — or let the client ask first with 'Expect: 100-continue'. A client should read the response after a failed upload before reporting the error."),
        Broken: new ScenarioVariant(
            "every upload fails with ECONNRESET or EPIPE (and nothing else); the raw server's early 413 can still be read after the failed upload; Kestrel's Abort() gives ECONNRESET and no response",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, drain: false, ct),
            [
                Expect.Event("the raw server's client: the upload fails", On.Kind(EventKind.SendFailed, RawClient)),
                Expect.Event("Kestrel 413 client: the upload fails", On.Kind(EventKind.SendFailed, LimitClient)),
                Expect.Event("Kestrel Abort() client: the upload fails with ECONNRESET", On.Failed(EventKind.SendFailed, AbortClient, Errno.ECONNRESET)),
                Expect.That(
                    "every failed upload is exactly ECONNRESET (104) or EPIPE (32)",
                    events => events.Where(e => e.Side == Side.Client && e.Kind == EventKind.SendFailed).All(e => e.Errno is Errno.ECONNRESET or Errno.EPIPE)),
                Expect.Event("the raw server's 413 can still be read after the failed upload", e => e.Actor == RawClient && e.Kind == EventKind.ResponseHeaders && e.Status == 413),
                Expect.No("after Abort() the client gets no response", e => e.Actor == AbortClient && e.Kind == EventKind.ResponseHeaders),
                Expect.FirstDisconnect(Side.Server),
            ]),
        Fixed: new ScenarioVariant(
            "the servers read the whole body before answering: every upload completes and every client reads the 413",
            TimeSpan.Zero,
            (lab, ct) => RunAsync(lab, drain: true, ct),
            [
                Expect.No("no upload fails", On.Kind(EventKind.SendFailed)),
                Expect.That("both clients read the whole 413 response", events => events.Count(e => e.Kind == EventKind.ResponseCompleted && e.Status == 413) == 2),
            ]))
    {
        Produces = [Signature.Fails(Side.Client, SocketFailure.ConnectionReset, Errno.ECONNRESET)],
    };

    private static async Task RunAsync(LabSandbox lab, bool drain, CancellationToken ct)
    {
        var raw = await RawTcpServer.StartAsync(
            lab,
            new RawTcpServerOptions { Read = drain ? RequestRead.Everything : RequestRead.Headers, Status = 413, ResponseBytes = 256 },
            ct);
        await RawHttpClient.RunAsync(lab, raw.Endpoint, Uploading(RawClient, "/upload"), ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "raw-server", TimeSpan.FromSeconds(10), ct);

        var kestrel = await KestrelServer.StartAsync(
            lab,
            async x =>
            {
                if (drain) await x.ReadBodyAsync();
                x.Context.Response.StatusCode = 413;
                if (x.Context.Request.Path == "/abort") x.Abort();
            },
            // Fixed: the server accepts the body it is going to read.
            new KestrelOptions { MaxRequestBodySize = drain ? 2 * Upload : 30_000_000 },
            ct);
        await RawHttpClient.RunAsync(lab, kestrel.Endpoint, Uploading(LimitClient, "/limit"), ct);
        if (!drain) await RawHttpClient.RunAsync(lab, kestrel.Endpoint, Uploading(AbortClient, "/abort"), ct);
    }

    private static RawHttpOptions Uploading(string name, string path) =>
        new() { Name = name, Method = "POST", Path = path, UploadBytes = Upload, Deadline = TimeSpan.FromSeconds(20) };
}
