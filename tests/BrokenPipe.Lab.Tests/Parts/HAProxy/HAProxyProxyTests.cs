using System.Net;
using BrokenPipe.Lab.Parts.HAProxy;
using BrokenPipe.Lab.Parts.RawTcp;
using BrokenPipe.Lab.Tests.Runtimes;

namespace BrokenPipe.Lab.Tests.Parts.HAProxy;

/// <summary>The HAProxy part against the real haproxy binary.</summary>
public sealed class HAProxyProxyTests
{
    private const string HAProxy = "haproxy";

    [HAProxyFact]
    public async Task StartAsync_InFrontOfRawTcpServer_GetThroughItIs200CompleteAndTheLineIsVerbatim()
    {
        await using var lab = new LabSandbox("haproxy-get");
        var upstream = await RawTcpServer.StartAsync(lab);
        var proxy = await HAProxyProxy.StartAsync(lab, upstream.Endpoint);

        var result = await RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Path = "/items", Deadline = Bound.Wait });

        Assert.Equal((200, true), (result.Status, result.Complete));
        var access = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess, Bound.Wait, "HAProxy's log line");
        Assert.Equal((Side.Proxy, HAProxy, 200), (access.Side, access.Actor, access.Status));
        Assert.Matches(@"^127\.0\.0\.1:\d+ \[.+\] lab lab_upstream/upstream \d+/\d+/\d+/\d+/\d+ 200 \d+ - - ---- .* ""GET /items HTTP/1\.1""$", access.Verbatim);
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Side == Side.Proxy && e.Kind != EventKind.ProxyAccess);
    }

    [HAProxyFact]
    public async Task StartAsync_Started_PartStartedNamesPidAndPortAndSidesAreRegistered()
    {
        await using var lab = new LabSandbox("haproxy-started");
        var upstream = await RawTcpServer.StartAsync(lab);

        var proxy = await HAProxyProxy.StartAsync(lab, upstream.Endpoint);

        var started = await lab.Timeline.WaitForAsync(EventKind.PartStarted, Bound.Wait, Side.Lab, HAProxy);
        Assert.Contains($"pid {proxy.Pid}", started.Detail);
        Assert.Contains($":{proxy.Port}", started.Detail);
        Assert.True(ProcFs.Exists(proxy.Pid));
        Assert.Equal(Side.Proxy, lab.SideListeningAt(proxy.Endpoint));
        Assert.Equal(Side.Proxy, lab.SideConnectingTo(upstream.Endpoint));
        Assert.InRange(proxy.StartupTime, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
    }

    [HAProxyFact]
    public async Task TimeoutServer_SlowUpstream_504WithsHLoggedAndTheUpstreamGetsAnRst()
    {
        await using var lab = new LabSandbox("haproxy-504");
        var upstream = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Wait = TimeSpan.FromSeconds(2), ResponseBytes = 8192, ChunkBytes = 4096 });
        var proxy = await HAProxyProxy.StartAsync(lab, upstream.Endpoint, new HAProxyOptions { TimeoutServer = TimeSpan.FromMilliseconds(500) });

        var result = await RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Deadline = Bound.Wait });

        Assert.Equal(504, result.Status);
        var timedOut = await lab.Timeline.WaitForAsync(EventKind.ProxyUpstreamTimedOutHeader, Bound.Wait, Side.Proxy, HAProxy);
        Assert.Contains(" 504 ", timedOut.Verbatim, StringComparison.Ordinal);
        Assert.Contains(" sH-- ", timedOut.Verbatim, StringComparison.Ordinal);
        var reset = await lab.Timeline.WaitForAsync(e => e.Side == Side.Server && e.Kind == EventKind.PeerClosed, Bound.Wait, "the upstream seeing HAProxy's close");
        Assert.Equal(CloseHow.Rst, reset.Closed);
    }

    [HAProxyFact]
    public async Task StartAsync_ConfigHAProxyRefuses_ThrowsWithItsAlertAndLeavesNothingRunning()
    {
        await using var lab = new LabSandbox("haproxy-refused");
        var upstream = await RawTcpServer.StartAsync(lab);
        var template = Path.Combine(lab.Directory, "bad.cfg");
        await File.WriteAllTextAsync(template, "defaults\n    mode http\nfrontend fe\n    bind {{listen}}\n    no-such-keyword on\n    default_backend be\nbackend be\n    server s {{upstream}}\n");

        var e = await Assert.ThrowsAsync<HAProxyConfigException>(() => HAProxyProxy.StartAsync(lab, upstream.Endpoint, new HAProxyOptions { ConfigTemplatePath = template }));

        Assert.Contains("no-such-keyword", e.Message, StringComparison.Ordinal);
        Assert.Contains($"[{template}:5]", e.Message, StringComparison.Ordinal);
    }

    [HAProxyFact]
    public async Task DisposeAsync_Lab_TheProcessIsGoneAndThePortRefuses()
    {
        var lab = new LabSandbox("haproxy-dispose");
        var upstream = await RawTcpServer.StartAsync(lab);
        var proxy = await HAProxyProxy.StartAsync(lab, upstream.Endpoint);
        var pid = proxy.Pid;
        var endpoint = proxy.Endpoint;
        var dir = lab.Directory;

        await lab.DisposeAsync();

        Assert.False(ProcFs.Exists(pid));
        Assert.False(Directory.Exists(dir));
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => probe.ConnectAsync(endpoint));
    }
}
