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
                    "Go, 8,193 bytes: the Write fails with EPIPE, in Go's words 'write tcp A->B: write: broken pipe'",
                    e => e.Actor == "go[n8061]" && e.Kind == EventKind.WriteFailed && e.Errno == Errno.EPIPE && e.Failure == SocketFailure.BrokenPipe
                        && e.Verbatim is { } v && v.StartsWith("write tcp 127.0.0.1:", StringComparison.Ordinal) && v.EndsWith(": write: broken pipe", StringComparison.Ordinal)),
                Expect.Event("Go: the request's context was canceled when the client left (net/http's background read saw the FIN)", e => e.Actor == "go[n8061]" && e.Kind == EventKind.RequestAborted && e.Verbatim == "context canceled"),
            ]),
        _ => EverySize(upstream, work, clientLeaves),
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
        _ => new(
            $"{upstream}: the handler stops when the client has gone and writes nothing" + (upstream == "java" ? " (com.sun.net.httpserver cannot tell it: the handler takes the IOException as the client leaving)" : ""),
            (lab, ct) => RunAsync(lab, new UpstreamOptions { Language = Upstream.Language(upstream)!.Value, Name = upstream, Wait = work, ResponseBytes = 8193, HonourAbort = true }, clientLeaves, ct),
            [
                Expect.Event($"{upstream}: the handler stops: the client has gone", e => e.Actor == upstream && e.Kind == EventKind.HandlerFailed),
                Expect.No($"{upstream}: no write fails", e => e.Actor == upstream && e.Kind == EventKind.WriteFailed),
            ]),
    };

    /// <summary>Node's, Python's and Java's words, for explain: each asked of a run only when its upstream ran.</summary>
    public static IReadOnlyList<Signature> Words { get; } = [.. new[] { "node", "python", "java" }.Select(u => Signature.Logs(Says(u).Words, u))];

    /// <summary>What each runtime says when the handler writes after the client's FIN: its words, and the errno they carry.</summary>
    public static (string Words, int? Errno) Says(string upstream) => upstream switch
    {
        "python" => ("BrokenPipeError: [Errno 32] Broken pipe", Errno.EPIPE),
        "java" => ("java.io.IOException: Broken pipe", Errno.EPIPE),
        // Node saw the FIN itself and destroyed the response: the write never reaches a socket.
        "node" => ("Error [ERR_STREAM_DESTROYED]: Cannot call write after a stream was destroyed", null),
        _ => throw new ArgumentOutOfRangeException(nameof(upstream), upstream, "no words known for this upstream"),
    };

    /// <summary>Node, Python, Java: no 8 KiB threshold. A 100-byte and an 8,193-byte response fail alike, in the runtime's own words.</summary>
    private static UpstreamCase EverySize(string upstream, TimeSpan work, TimeSpan clientLeaves)
    {
        var (words, errno) = Says(upstream);
        var language = Upstream.Language(upstream)!.Value;
        int[] sizes = [100, 8193];
        return new(
            $"{upstream}: no threshold — a 100-byte and an 8,193-byte response both fail: '{words}'",
            (lab, ct) => Task.WhenAll(sizes.Select(n => RunAsync(lab, new UpstreamOptions { Language = language, Name = $"{upstream}[n{n}]", Wait = work, ResponseBytes = n }, clientLeaves, ct))),
            [
                .. sizes.Select(n => Expect.Event(
                    $"{upstream}, {n} bytes: the write fails with '{words}'" + (errno is null ? " (no errno: the runtime never wrote)" : " (EPIPE)"),
                    e => e.Actor == $"{upstream}[n{n}]" && e.Kind == EventKind.WriteFailed && e.Verbatim == words && e.Errno == errno)),
                .. upstream == "node"
                    ? [Expect.Event("node: the response's 'close' fires at the client's FIN, long before the write", e => e.Actor == "node[n8193]" && e.Kind == EventKind.RequestAborted)]
                    : Array.Empty<Check>(),
            ]);
    }

    /// <summary>Starts the upstream, sends it one request from a client that leaves (FIN) at <paramref name="clientLeaves"/>, and waits for its handler to end.</summary>
    private static async Task RunAsync(LabSandbox lab, UpstreamOptions options, TimeSpan clientLeaves, CancellationToken ct)
    {
        var server = await UpstreamServer.StartAsync(lab, options, ct);
        var name = options.Name!;
        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { Name = $"client[{name}]", CloseWhen = Trigger.After(clientLeaves) }, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, name, TimeSpan.FromSeconds(10), ct);
    }
}
