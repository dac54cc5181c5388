using BrokenPipe.Lab.Parts.Upstreams;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>
/// ingress-timeout told by the upstreams in their own languages: the Kong/nginx article's handler (sleep past nginx's
/// read timeout, then write the export in one call) and what each runtime says when the write meets nginx's closed
/// connection.
/// </summary>
internal static class IngressPolyglot
{
    /// <summary>Starts the upstream in <paramref name="upstream"/>'s language, named <paramref name="name"/>: it waits <paramref name="work"/>, then writes <paramref name="bytes"/> in one call.</summary>
    /// The Go handler logs its failed write as the article's did: "error writing: " and the error.
    public static Task<UpstreamServer> StartAsync(LabSandbox lab, string upstream, string name, TimeSpan work, int bytes, CancellationToken ct) =>
        UpstreamServer.StartAsync(lab, new UpstreamOptions { Language = Upstream.Language(upstream) ?? throw new ArgumentOutOfRangeException(nameof(upstream)), Name = name, Wait = work, ResponseBytes = bytes, LogPrefix = upstream == "go" ? "error writing: " : "" }, ct);

    /// <summary>The broken variant's checks for one language: nginx's FIN reaches it at the proxy's timeout, and its write fails in its own words.</summary>
    public static IEnumerable<Check> Checks(string upstream, string server, string client, TimeSpan readTimeout, Func<TimeSpan, TimeSpan, bool> near)
    {
        var t = $"{readTimeout.TotalSeconds:0.#} s";
        switch (upstream)
        {
            case "go":
                yield return Expect.That(
                    $"go: nginx's FIN reaches Go at ≈{t}: net/http's background read cancels the request's context",
                    events => On.Gap(events, On.Kind(EventKind.RequestSent, client), e => e.Kind == EventKind.RequestAborted && e.Actor == server && e.Verbatim == "context canceled") is { } gap && near(gap, readTimeout));
                yield return Expect.Event(
                    "go: the export's Write fails with EPIPE and the handler logs the article's line 'error writing: write tcp A->B: write: broken pipe'",
                    e => e.Actor == server && e.Kind == EventKind.WriteFailed && e.Errno == Errno.EPIPE && e.Failure == SocketFailure.BrokenPipe
                        && e.Verbatim is { } v && v.StartsWith("error writing: write tcp 127.0.0.1:", StringComparison.Ordinal) && v.EndsWith(": write: broken pipe", StringComparison.Ordinal));
                break;
            default:
                var (words, errno) = Http.Over8KbPolyglot.Says(upstream);
                if (upstream == "node")
                {
                    yield return Expect.That(
                        $"node: nginx's FIN reaches Node at ≈{t}: it destroys the response ('close' before it finished)",
                        events => On.Gap(events, On.Kind(EventKind.RequestSent, client), e => e.Kind == EventKind.RequestAborted && e.Actor == server) is { } gap && near(gap, readTimeout));
                }
                yield return Expect.Event(
                    $"{upstream}: the export's write fails in its own words: '{words}'",
                    e => e.Actor == server && e.Kind == EventKind.WriteFailed && e.Verbatim == words && e.Errno == errno);
                break;
        }
    }
}
