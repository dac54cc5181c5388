using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Scenarios.Http;

/// <summary>The kernel's truth table: what send() and recv() return after the peer closed with a FIN, with an RST, or half-closed.</summary>
internal static class FinVsRst
{
    private const string Fin = "server[fin]";
    private const string Rst = "server[rst]";
    private const string RstRecv = "server[rst+recv]";
    private const string Half = "server[half-close]";

    public static Scenario Definition { get; } = new(
        ScenarioIds.FinVsRst,
        "http",
        "FIN or RST: what the writer's send() returns after the peer has closed",
        Seeds.Kernel,
        new Story(
            Wire: "The client closes first. With close() it sends a FIN: the server's socket goes to CLOSE_WAIT, and its first send() still succeeds — the bytes reach a socket that no longer exists, whose kernel answers with an RST (on loopback within the same syscall), so the second send() fails with EPIPE. With SO_LINGER 0 the client sends an RST at once: the server's socket is already CLOSE, its first send() fails with ECONNRESET and every later one with EPIPE; a recv() instead consumes the error once (ECONNRESET), then reads EOF.",
            Why: "A FIN only says 'I will send no more'; TCP cannot tell the writer that the reader is gone until the reader's kernel rejects data. So the first write after a FIN always 'works', and broken pipe appears one write later. ECONNRESET means the RST arrived before the write; EPIPE means the error was already consumed or the FIN came first.",
            Diagnose: "Read errno, not just the message: EPIPE = you wrote after the peer's close had been processed; ECONNRESET = an RST arrived while the connection was still open on your side. `ss -tan` shows CLOSE-WAIT sockets: the peer sent a FIN your process has not acted on.",
            Fix: "A peer that only half-closes (shutdown(SHUT_WR)) keeps reading: every send succeeds. For servers: notice the peer's FIN (read returns 0, or the framework's abort signal) and stop writing."),
        Broken: new ScenarioVariant(
            "FIN: send #1 succeeds, send #2 and #3 fail with EPIPE; RST: send #1 fails with ECONNRESET, then EPIPE; recv after an RST: ECONNRESET once, then EOF (and the send after it EPIPE)",
            TimeSpan.Zero,
            RunBrokenAsync,
            [
                Expect.Event("FIN: send #1 succeeds (4096 bytes into a CLOSE_WAIT socket)", On.Sent(Fin, 1)),
                Expect.Event("FIN: send #2 fails with EPIPE (32)", On.Failed(EventKind.SendFailed, Fin, Errno.EPIPE, 2)),
                Expect.Event("FIN: send #3 fails with EPIPE (32)", On.Failed(EventKind.SendFailed, Fin, Errno.EPIPE, 3)),
                Expect.Event("RST: send #1 fails with ECONNRESET (104)", On.Failed(EventKind.SendFailed, Rst, Errno.ECONNRESET, 1)),
                Expect.Event("RST: send #2 fails with EPIPE (32)", On.Failed(EventKind.SendFailed, Rst, Errno.EPIPE, 2)),
                Expect.Event("RST then recv: recv #1 fails with ECONNRESET (104)", On.Failed(EventKind.ReceiveFailed, RstRecv, Errno.ECONNRESET, 1)),
                Expect.Event("RST then recv: recv #2 returns EOF", e => e.Kind == EventKind.EndOfStream && e.Actor == RstRecv && e.Index == 2),
                Expect.Event("RST then recv: the error consumed, send #1 fails with EPIPE (32)", On.Failed(EventKind.SendFailed, RstRecv, Errno.EPIPE, 1)),
                Expect.FirstDisconnect(Side.Client),
            ]),
        Fixed: new ScenarioVariant(
            "the client half-closes (shutdown SHUT_WR) and keeps reading: all three sends succeed and the client reads the whole response",
            TimeSpan.Zero,
            RunFixedAsync,
            [
                Expect.Event("send #1 succeeds", On.Sent(Half, 1)),
                Expect.Event("send #3 succeeds", On.Sent(Half, 3)),
                Expect.No("no send fails", e => e.Kind == EventKind.SendFailed),
                Expect.Event("the client reads the whole response", Side.Client, EventKind.ResponseCompleted),
                Expect.FirstDisconnect(Side.Client, "FIN"),
            ]))
    {
        Produces = [Signature.Fails(Side.Server, SocketFailure.BrokenPipe, Errno.EPIPE), Signature.Fails(Side.Server, SocketFailure.ConnectionReset, Errno.ECONNRESET)],
    };

    private static async Task RunBrokenAsync(LabSandbox lab, CancellationToken ct)
    {
        await ExchangeAsync(lab, Fin, CloseMode.Fin, probes: 0, ct);
        await ExchangeAsync(lab, Rst, CloseMode.Rst, probes: 0, ct);
        await ExchangeAsync(lab, RstRecv, CloseMode.Rst, probes: 2, ct);
    }

    private static Task RunFixedAsync(LabSandbox lab, CancellationToken ct) => ExchangeAsync(lab, Half, CloseMode.HalfClose, probes: 0, ct);

    /// <summary>
    /// One connection: the client sends a request and closes as soon as the server has read it; the server waits
    /// until the close has arrived (poll, by construction rather than by a sleep), then sends 3 × 4096 bytes.
    /// </summary>
    private static async Task ExchangeAsync(LabSandbox lab, string name, CloseMode close, int probes, CancellationToken ct)
    {
        var server = await RawTcpServer.StartAsync(
            lab,
            new RawTcpServerOptions
            {
                Name = name,
                WaitForPeerClose = true,
                RecvProbesBeforeSend = probes,
                ResponseBytes = 3 * 4096,
                ChunkBytes = 4096,
                KeepSendingAfterError = true,
            },
            ct);
        await RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions
            {
                Name = $"client[{close.ToString().ToLowerInvariant()}]",
                Close = close,
                CloseWhen = Trigger.On(e => e.Kind == EventKind.RequestReceived && e.Actor == name, $"{name} has read the request"),
            },
            ct);
        await Waits.HandlerDoneAsync(lab.Timeline, name, TimeSpan.FromSeconds(10), ct);
    }
}
