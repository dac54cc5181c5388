using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Docker;

/// <summary>A port published through docker-proxy: the client no longer sees Redis's closes as they happened.</summary>
internal static class DockerProxyHidesReset
{
    public static Scenario Definition { get; } = new(
        ScenarioIds.DockerProxyHidesReset,
        "docker",
        "A published port hides the broken pipe and the reset: docker-proxy holds the client's side open",
        Seeds.Redis,
        new Story(
            Wire: "Redis runs in a container whose port is published on 127.0.0.1 (docker run -p, compose's ports:). The client's connection ends at docker-proxy, a user-space copier, which opens its own connection to Redis. When Redis closes an idle client, the proxy passes the FIN on but keeps the client's socket open: the client reads EOF, and its next write succeeds — no EPIPE. When Redis is killed with a request unread in its socket, the kernel resets the proxy's connection, and the proxy ends the client's with a FIN: EOF instead of ECONNRESET. On the host network the same client sees EPIPE and ECONNRESET.",
            Why: "A proxy terminates TCP: what the client sees is what the proxy decides to do on its own socket, not what happened on the server's. docker-proxy copies bytes in both directions and closes each side with a FIN when the other ends, whatever the cause.",
            Diagnose: "Redis's CLIENT LIST shows addr= the bridge's gateway (198.19.0.1 here), not the client; `ss -tnp` shows docker-proxy owning the published port. Errors that match a crash in production (ECONNRESET) appear as clean EOFs, or writes that seem to succeed, in local tests with published ports — Testcontainers' default too.",
            Fix: "Test on the host network (docker run --network host, Testcontainers' CreateParameterModifier NetworkMode = \"host\") or with an engine started with userland-proxy: false (published ports become DNAT rules). And make clients treat EOF where a reply was due as a failure."),
        Broken: new ScenarioVariant(
            "published port (docker-proxy): after Redis's idle close the client reads EOF and its next send succeeds (no EPIPE); kill -9 with a request unread reaches the client as EOF, not ECONNRESET",
            TimeSpan.FromSeconds(2),
            (lab, ct) => RunAsync(lab, DockerRuntime.PublishedPorts, ct),
            [
                Expect.Event("Redis closes the idle client (its log)", On.Kind(EventKind.RedisIdleClientClosed)),
                Expect.Event("idle: the read after the close returns EOF", On.Kind(EventKind.EndOfStream, "idle")),
                Expect.Event("idle: the send after the EOF succeeds: docker-proxy holds the client's side open", On.Sent("idle", 3)),
                Expect.No("idle: no send fails with EPIPE", On.Failed(EventKind.SendFailed, "idle", Errno.EPIPE)),
                Expect.Event("kill -9 with a request unread: the client reads EOF", On.Kind(EventKind.EndOfStream, "unread")),
                Expect.No("no ECONNRESET reaches the client", e => e.Actor == "unread" && e.Errno == Errno.ECONNRESET),
            ]),
        Fixed: new ScenarioVariant(
            "host network: the send after Redis's idle close fails with EPIPE; kill -9 with a request unread reaches the client as ECONNRESET",
            TimeSpan.FromSeconds(2),
            (lab, ct) => RunAsync(lab, DockerRuntime.HostNetwork, ct),
            [
                Expect.Event("Redis closes the idle client (its log)", On.Kind(EventKind.RedisIdleClientClosed)),
                Expect.Event("idle: the read after the close returns EOF", On.Kind(EventKind.EndOfStream, "idle")),
                Expect.Event("idle: the send after the EOF fails with EPIPE", On.Failed(EventKind.SendFailed, "idle", Errno.EPIPE, 3)),
                Expect.Event("kill -9 with a request unread: the client's read fails with ECONNRESET", On.Failed(EventKind.ReceiveFailed, "unread", Errno.ECONNRESET)),
            ]))
    {
        NeedsDocker = true,
        Unavailable = settings => DockerEngine.BridgeUnavailable ?? RedisServer.DockerImageUnavailable(settings),
    };

    private static async Task RunAsync(LabSandbox lab, DockerRuntime runtime, CancellationToken ct)
    {
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = TimeSpan.FromSeconds(1), Runtime = runtime }, ct);
        if (runtime.Network == DockerNetwork.Published && !DockerEngine.ProxyPublishes(redis.Port))
        {
            throw new InvalidOperationException("this engine publishes ports without docker-proxy (userland-proxy: false): nothing stands between the client and Redis, so there is nothing to hide and the scenario cannot be shown here");
        }

        // Redis's idle timer closes the first client (its own word, the log line, says when), which comes back: PING, read, PING.
        var idle = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "idle", cancellationToken: ct))!;
        await idle.SendAsync("PING");
        await idle.ReadReplyAsync(TimeSpan.FromSeconds(2));
        await lab.Timeline.WaitForAsync(On.Kind(EventKind.RedisIdleClientClosed), TimeSpan.FromSeconds(5), "Redis closing the idle client", ct);
        await idle.SendAsync("PING");
        await idle.ReadReplyAsync(TimeSpan.FromSeconds(2));
        await idle.SendAsync("PING");

        // A second client's request sits unread in Redis's socket (the container is frozen) when Redis is killed.
        var unread = (await RespProbe.ConnectAsync(lab, redis.Endpoint, "unread", cancellationToken: ct))!;
        await unread.SendAsync("PING");
        await unread.ReadReplyAsync(TimeSpan.FromSeconds(2));
        redis.Pause();
        await unread.SendAsync("PING");
        await redis.KillAsync(ct);
        await unread.ReadReplyAsync(TimeSpan.FromSeconds(2));
    }
}
