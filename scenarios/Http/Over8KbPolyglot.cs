using BrokenPipe.Lab.Parts.Upstreams;

namespace BrokenPipe.Scenarios.Http;

/// <summary>
/// over-8kb-write told by the upstreams in their own languages: the seed's handler (sleep 1 s, deaf to the client, then
/// write) against a client that leaves at 0.3 s like curl's ^C, and what each runtime says when its write meets the
/// client's RST.
/// </summary>
internal static class Over8KbPolyglot
{
    /// <summary>Go: 124 header bytes, a 6-byte chunk line, the body and a 2-byte CRLF: n = 8,060 is an 8,192-byte response, 8,061 an 8,193-byte one.</summary>
    private const int GoFits = 8060;

    public static UpstreamCase Broken(string upstream, TimeSpan work, TimeSpan clientLeaves) => upstream switch
    {
        "go" => new(
            "Go, the seed's handler: an 8,192-byte response (n=8060) is written without an error; at 8,193 bytes (n=8061) the Write fails: 'write tcp …: write: broken pipe'",
            (lab, ct) => Task.WhenAll(
                RunAsync(lab, new UpstreamOptions { Language = UpstreamLanguage.Go, Name = "go[n8060]", Wait = work, ResponseBytes = GoFits }, clientLeaves, ct),
                RunAsync(lab, new UpstreamOptions { Language = UpstreamLanguage.Go, Name = "go[n8061]", Wait = work, ResponseBytes = GoFits + 1 }, clientLeaves, ct)),
            [
                Expect.Event("Go, 8,192 bytes: the Write returns without an error", e => e.Actor == "go[n8060]" && e.Kind == EventKind.ResponseWrite && e.Bytes == GoFits),
                Expect.No("Go, 8,192 bytes: no write fails", e => e.Actor == "go[n8060]" && e.Kind == EventKind.WriteFailed),
                Expect.Event(
                    "Go, 8,193 bytes: the Write fails with EPIPE, in Go's words 'write tcp A->B: write: broken pipe' (logged 'error writing: …')",
                    e => e.Actor == "go[n8061]" && e.Kind == EventKind.WriteFailed && e.Errno == Errno.EPIPE && e.Failure == SocketFailure.BrokenPipe
                        && e.Verbatim is { } v && v.StartsWith("error writing: write tcp 127.0.0.1:", StringComparison.Ordinal) && v.EndsWith(": write: broken pipe", StringComparison.Ordinal)),
                Expect.Event("Go: the request's context was canceled when the client left (net/http's background read saw the FIN)", e => e.Actor == "go[n8061]" && e.Kind == EventKind.RequestAborted && e.Verbatim == "context canceled"),
            ]),
        _ => throw new ArgumentOutOfRangeException(nameof(upstream), upstream, "no such upstream for over-8kb-write"),
    };

    public static UpstreamCase Fixed(string upstream, TimeSpan work, TimeSpan clientLeaves) => upstream switch
    {
        "go" => new(
            "Go: the handler selects on r.Context().Done() as well as its timer: it stops when the client leaves and writes nothing",
            (lab, ct) => RunAsync(lab, new UpstreamOptions { Language = UpstreamLanguage.Go, Name = "go", Wait = work, ResponseBytes = GoFits + 1, HonourAbort = true }, clientLeaves, ct),
            [
                Expect.Event("Go: the handler stops on 'context canceled'", e => e.Actor == "go" && e.Kind == EventKind.HandlerFailed && e.Failure == SocketFailure.Canceled && e.Verbatim == "context canceled"),
                Expect.No("Go: nothing is written, nothing fails", e => e.Actor == "go" && e.Kind is EventKind.WriteFailed or EventKind.ResponseWrite),
            ]),
        _ => throw new ArgumentOutOfRangeException(nameof(upstream), upstream, "no such upstream for over-8kb-write"),
    };

    /// <summary>Starts the upstream, sends it one request from a client that leaves (FIN) at <paramref name="clientLeaves"/>, and waits for its handler to end.</summary>
    private static async Task RunAsync(LabSandbox lab, UpstreamOptions options, TimeSpan clientLeaves, CancellationToken ct)
    {
        var server = await UpstreamServer.StartAsync(lab, options, ct);
        var name = options.Name!;
        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = $"client[{name}]", CloseWhen = Trigger.After(clientLeaves) }, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, name, TimeSpan.FromSeconds(10), ct);
    }
}
