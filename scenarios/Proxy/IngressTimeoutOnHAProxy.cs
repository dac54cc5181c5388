using BrokenPipe.Lab.Parts.HAProxy;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Proxy;

/// <summary>
/// Seed 002 behind HAProxy 2.6 (<c>--proxy haproxy</c>): <c>timeout server</c> is shorter than the work. HAProxy answers
/// 504 and logs the termination state <c>sH--</c>, like nginx's 504 — but it resets its upstream connection (RST) where
/// nginx sends a FIN, so a raw upstream's first send fails with ECONNRESET, and only the second with EPIPE.
/// </summary>
internal static class IngressTimeoutOnHAProxy
{
    private const long Body = 10L * 1024 * 1024;

    /// <summary>The scaled reproduction: a 2 s <c>timeout server</c> and an upstream that needs 4 s; fixed: 10 s.</summary>
    public static ProxyVariants Variants { get; } = Build(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10));

    private static ProxyVariants Build(TimeSpan serverTimeout, TimeSpan work, TimeSpan fixedTimeout)
    {
        var t = Seconds(serverTimeout);
        return new ProxyVariants(
            Broken: new ScenarioVariant(
                $"HAProxy with timeout server {t}: the client gets 504 at ≈{t}; HAProxy logs the request with 504 and termination state sH--; it resets its upstream connection: the raw upstream sees an RST at ≈{t}, its send #1 fails with ECONNRESET and send #2 with EPIPE at ≈{Seconds(work)}; Kestrel fires RequestAborted at ≈{t}; the proxy disconnects first, with an RST",
                work,
                (lab, ct) => RunAsync(lab, serverTimeout, work, ct),
                [
                    .. For("raw", serverTimeout, raw: true),
                    .. For("kestrel", serverTimeout, raw: false),
                    Expect.That(
                        $"Kestrel's RequestAborted fires at ≈{t} after the client's request",
                        events => On.Gap(events, On.Kind(EventKind.RequestSent, "client[kestrel]"), On.Kind(EventKind.RequestAborted)) is { } gap && Near(gap, serverTimeout)),
                    Expect.FirstDisconnect(Side.Proxy, "RST"),
                ]),
            Fixed: new ScenarioVariant(
                $"HAProxy with timeout server {Seconds(fixedTimeout)}: both clients get 200 with the whole body after ≈{Seconds(work)}; HAProxy logs 200 with termination state ----; no send fails",
                work,
                (lab, ct) => RunAsync(lab, fixedTimeout, work, ct),
                [
                    Expect.That("both clients get 200 and the whole body", events => events.Count(e => e.Kind == EventKind.ResponseCompleted && e.Status == 200) == 2),
                    Expect.That("HAProxy logs both requests with 200 and termination state ----", events => events.Count(e => e.Kind == EventKind.ProxyAccess && e.Status == 200 && e.Verbatim?.Contains(" ---- ", StringComparison.Ordinal) == true) == 2),
                    Expect.No("HAProxy logs no upstream timeout", e => e.Kind is EventKind.ProxyUpstreamTimedOutHeader or EventKind.ProxyUpstreamTimedOutBody),
                    Expect.No("no send fails", On.Kind(EventKind.SendFailed)),
                    Expect.No("Kestrel never fires RequestAborted", On.Kind(EventKind.RequestAborted)),
                ]));
    }

    private static IEnumerable<Check> For(string upstream, TimeSpan serverTimeout, bool raw)
    {
        var client = $"client[{upstream}]";
        var proxy = $"haproxy[{upstream}]";
        yield return Expect.That(
            $"{upstream}: the client gets 504 at ≈{Seconds(serverTimeout)}",
            events => On.Gap(events, On.Kind(EventKind.RequestSent, client), e => e.Kind == EventKind.ResponseHeaders && e.Actor == client && e.Status == 504) is { } gap && Near(gap, serverTimeout));
        yield return Expect.Event(
            $"{upstream}: HAProxy logs 504 with termination state sH-- (timeout server before the response header)",
            e => e.Kind == EventKind.ProxyUpstreamTimedOutHeader && e.Actor == proxy && e.Status == 504 && e.Verbatim?.Contains(" 504 ", StringComparison.Ordinal) == true && e.Verbatim.Contains(" sH-- ", StringComparison.Ordinal));
        if (!raw) yield break;
        var server = $"upstream[{upstream}]";
        yield return Expect.That(
            $"{upstream}: HAProxy's RST (not a FIN) reaches the upstream at ≈{Seconds(serverTimeout)}",
            events => On.Gap(events, On.Kind(EventKind.RequestSent, client), e => e.Kind == EventKind.PeerClosed && e.Actor == server && e.Closed is not null) is { } gap && Near(gap, serverTimeout)
                && events.First(e => e.Kind == EventKind.PeerClosed && e.Actor == server && e.Closed is not null).Closed == CloseHow.Rst);
        yield return Expect.Event($"{upstream}: send #1 fails with ECONNRESET (the pending reset)", On.Failed(EventKind.SendFailed, server, Errno.ECONNRESET, 1));
        yield return Expect.Event($"{upstream}: send #2 fails with EPIPE", On.Failed(EventKind.SendFailed, server, Errno.EPIPE, 2));
    }

    /// <summary>Within a wide margin of a proxy timer: 5 % early to 0.5 s late (a loaded machine).</summary>
    private static bool Near(TimeSpan actual, TimeSpan expected) =>
        actual >= expected * 0.95 && actual <= expected + TimeSpan.FromMilliseconds(500);

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.#} s";

    private static async Task RunAsync(LabSandbox lab, TimeSpan serverTimeout, TimeSpan work, CancellationToken ct)
    {
        // Three 4 KiB sends, each tried whatever the one before gave: the kernel's answer to each, as in the ground truth.
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "upstream[raw]", Wait = work, ResponseBytes = 3 * 4096, ChunkBytes = 4096, KeepSendingAfterError = true }, ct);
        var kestrel = await KestrelServer.StartAsync(
            lab,
            async x =>
            {
                await x.DelayAsync(work);
                await x.WriteAsync((int)Body);
            },
            cancellationToken: ct);
        var options = new HAProxyOptions { TimeoutServer = serverTimeout };
        var toRawStart = HAProxyProxy.StartAsync(lab, raw.Endpoint, options with { Name = "haproxy[raw]" }, ct);
        var toKestrelStart = HAProxyProxy.StartAsync(lab, kestrel.Endpoint, options with { Name = "haproxy[kestrel]" }, ct);
        await Task.WhenAll(toRawStart, toKestrelStart);
        var (toRaw, toKestrel) = (await toRawStart, await toKestrelStart);
        var deadline = work + TimeSpan.FromSeconds(30);
        await Task.WhenAll(
            RawHttpClient.RunAsync(lab, toRaw.Endpoint, new RawHttpOptions { Name = "client[raw]", Path = "/export", Deadline = deadline }, ct),
            RawHttpClient.RunAsync(lab, toKestrel.Endpoint, new RawHttpOptions { Name = "client[kestrel]", Path = "/export", Deadline = deadline }, ct));
        await Waits.HandlerDoneAsync(lab.Timeline, "upstream[raw]", deadline, ct);
        await Waits.HandlerDoneAsync(lab.Timeline, "kestrel#1", deadline, ct);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == "haproxy[raw]", TimeSpan.FromSeconds(5), "haproxy[raw]'s log line", ct);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Actor == "haproxy[kestrel]", TimeSpan.FromSeconds(5), "haproxy[kestrel]'s log line", ct);
    }
}
