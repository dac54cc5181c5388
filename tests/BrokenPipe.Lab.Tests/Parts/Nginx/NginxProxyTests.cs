using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;
using BrokenPipe.Lab.Runtimes;
using BrokenPipe.Lab.Tests.Runtimes;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>The nginx part against the real nginx binary.</summary>
public sealed class NginxProxyTests
{
    private const string Nginx = "nginx";

    [Fact]
    public async Task StartAsync_InFrontOfRawTcpServer_GetThroughItIs200Complete()
    {
        await using var lab = new LabSandbox("nginx-get");
        var upstream = await RawTcpServer.StartAsync(lab);
        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint);

        var result = await RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Deadline = Bound.Wait });

        Assert.Equal((200, true), (result.Status, result.Complete));
        Assert.Equal(IPAddress.Loopback, proxy.Endpoint.Address);
        await lab.Timeline.WaitForAsync(EventKind.RequestReceived, Bound.Wait, Side.Server);
    }

    [Fact]
    public async Task StartAsync_Started_PartStartedNamesPidAndPortAndSidesAreRegistered()
    {
        await using var lab = new LabSandbox("nginx-started");
        var upstream = await RawTcpServer.StartAsync(lab);

        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint);

        var started = await lab.Timeline.WaitForAsync(EventKind.PartStarted, Bound.Wait, Side.Lab, Nginx);
        Assert.Contains($"pid {proxy.Pid}", started.Detail);
        Assert.Contains($":{proxy.Port}", started.Detail);
        Assert.True(ProcFs.Exists(proxy.Pid));
        Assert.Equal(Side.Proxy, lab.SideListeningAt(proxy.Endpoint));
        Assert.Equal(Side.Proxy, lab.SideConnectingTo(upstream.Endpoint));
    }

    [Fact]
    public async Task StartAsync_Started_ReadyInUnderOneSecond()
    {
        await using var lab = new LabSandbox("nginx-startup");
        var upstream = await RawTcpServer.StartAsync(lab);

        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint);

        Assert.InRange(proxy.StartupTime, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Request_ThroughTheProxy_AccessLogLineReachesTheTimeline()
    {
        await using var lab = new LabSandbox("nginx-access");
        var upstream = await RawTcpServer.StartAsync(lab);
        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint);

        await RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Path = "/items", Deadline = Bound.Wait });

        var access = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess, Bound.Wait, "the access-log line");
        Assert.Equal((Side.Proxy, Nginx, 200), (access.Side, access.Actor, access.Status));
        Assert.Contains("\"GET /items HTTP/1.1\"", access.Detail);
    }

    [Fact]
    public async Task DisposeAsync_Lab_NginxMasterAndWorkersAreGoneAndThePortRefuses()
    {
        await using var lab = new LabSandbox("nginx-dispose");
        var upstream = await RawTcpServer.StartAsync(lab);
        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint);
        var master = proxy.Pid;
        // The master accepts on its port before it has forked its workers: wait for them (bounded) before listing them.
        Assert.True(await ProcFs.PollAsync(() => ProcFs.Children(master).Any(), Bound.Wait), $"nginx master {master} forked no worker");
        var workers = ProcFs.Children(master);
        Assert.NotEmpty(workers);
        Assert.Contains(lab.Directory, ProcFs.CommandLine(master));

        await lab.DisposeAsync();

        Assert.True(await ProcFs.PollAsync(() => !ProcFs.Exists(master) && workers.All(w => !ProcFs.Exists(w)), Bound.Wait), $"nginx master {master} or a worker ({string.Join(", ", workers)}) is still in /proc");
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var bound = new CancellationTokenSource(Bound.Wait);
        var refused = await Assert.ThrowsAsync<SocketException>(async () => await probe.ConnectAsync(proxy.Endpoint, bound.Token));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.False(Directory.Exists(lab.Directory));
    }

    [Fact]
    public async Task StartAsync_InvalidDirective_ThrowsNginxsEmergWithTheLineAndLeavesNoProcess()
    {
        using var config = ConfigFile.Fragment("proxy_bogus_directive on;");
        await using var lab = new LabSandbox("nginx-invalid");
        var upstream = await RawTcpServer.StartAsync(lab);

        var e = await Assert.ThrowsAsync<NginxConfigException>(() => NginxProxy.StartAsync(lab, upstream.Endpoint, new NginxOptions { ConfigTemplatePath = config.Path }));

        Assert.Contains("[emerg]", e.Message);
        Assert.Contains("unknown directive \"proxy_bogus_directive\"", e.Message);
        Assert.Contains("\"proxy_bogus_directive on;\"", e.Message); // the offending line, quoted from the rendered config
        Assert.Empty(ProcFs.WithCommandLineContaining(lab.Directory));
        Assert.DoesNotContain(lab.Timeline.Snapshot(), x => x.Kind == EventKind.PartStarted && x.Actor == Nginx);
        var registry = Path.Combine(lab.Directory, "processes");
        Assert.True(!File.Exists(registry) || File.ReadAllText(registry).Trim().Length == 0, "the nginx -t process is still in the lab's process registry");
    }

    [Theory]
    [InlineData("listen")]
    [InlineData("upstream")]
    public async Task StartAsync_TemplateMissingARequiredPlaceholder_ThrowsNamingIt(string missing)
    {
        var text = "server {\n    listen {{listen}};\n    location / { proxy_pass http://{{upstream}}; }\n}\n";
        using var config = ConfigFile.Write(text.Replace($"{{{{{missing}}}}}", missing == "listen" ? "127.0.0.1:1" : "127.0.0.1:2"));
        await using var lab = new LabSandbox("nginx-no-placeholder");

        var e = await Assert.ThrowsAsync<NginxConfigException>(() => NginxProxy.StartAsync(lab, new IPEndPoint(IPAddress.Loopback, 1), new NginxOptions { ConfigTemplatePath = config.Path }));

        Assert.Contains($"no {{{{{missing}}}}} placeholder", e.Message);
        Assert.Contains(config.Path, e.Message);
    }

    [Fact]
    public async Task StartAsync_TemplateFileMissing_ThrowsNamingThePath()
    {
        await using var lab = new LabSandbox("nginx-no-file");
        var path = Path.Combine(lab.Directory, "no-such.conf");

        var e = await Assert.ThrowsAsync<NginxConfigException>(() => NginxProxy.StartAsync(lab, new IPEndPoint(IPAddress.Loopback, 1), new NginxOptions { ConfigTemplatePath = path }));

        Assert.Contains(path, e.Message);
    }

    [Fact]
    public async Task StartAsync_BinaryPathWrong_ThrowsRuntimeMissingNamingIt()
    {
        await using var lab = new LabSandbox("nginx-wrong-binary");

        var e = await Assert.ThrowsAsync<RuntimeMissingException>(() => NginxProxy.StartAsync(lab, new IPEndPoint(IPAddress.Loopback, 1), new NginxOptions { BinaryPath = "/no/such/nginx" }));

        Assert.Contains("/no/such/nginx", e.Message);
    }

    [Fact]
    public async Task StartAsync_UserFragmentTemplate_ProxiesAndLogs()
    {
        using var config = ConfigFile.Write("server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; } }");
        await using var lab = new LabSandbox("nginx-fragment");
        var upstream = await RawTcpServer.StartAsync(lab);
        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint, new NginxOptions { ConfigTemplatePath = config.Path });

        var result = await RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Deadline = Bound.Wait });

        Assert.Equal((200, true), (result.Status, result.Complete));
        var access = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess, Bound.Wait, "the access-log line");
        Assert.Equal(200, access.Status);
    }

    [Fact]
    public async Task StartAsync_UpstreamNotListening_RefusedOnTheTimelineAnd502()
    {
        await using var lab = new LabSandbox("nginx-refused");
        var nobody = new IPEndPoint(IPAddress.Loopback, LabSandbox.FreePort());
        var proxy = await NginxProxy.StartAsync(lab, nobody);

        var result = await RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Deadline = Bound.Wait });

        Assert.Equal(502, result.Status);
        var refused = await lab.Timeline.WaitForAsync(EventKind.ProxyUpstreamRefused, Bound.Wait, Side.Proxy, Nginx);
        Assert.Equal((SocketFailure.Refused, 111), (refused.Failure, refused.Errno));
        var access = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess, Bound.Wait, "the access-log line");
        Assert.Equal(502, access.Status);
    }

    [Fact]
    public async Task StartAsync_ReadTimeoutInMilliseconds_504AndTimedOutReadingHeader()
    {
        await using var lab = new LabSandbox("nginx-read-timeout");
        // The upstream answers only once nginx has given up on it and closed: no guessed sleep on either side.
        var upstream = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { WaitForPeerClose = true, PeerCloseTimeout = Bound.Wait });
        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint, new NginxOptions { ProxyReadTimeout = TimeSpan.FromMilliseconds(300) });

        var result = await RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Deadline = Bound.Wait });

        Assert.Equal(504, result.Status);
        var timedOut = await lab.Timeline.WaitForAsync(EventKind.ProxyUpstreamTimedOutHeader, Bound.Wait, Side.Proxy, Nginx);
        Assert.Equal((SocketFailure.TimedOut, 110), (timedOut.Failure, timedOut.Errno));
        await lab.Timeline.WaitForAsync(EventKind.PeerClosed, Bound.Wait, Side.Server);
    }

    [Fact]
    public async Task ValidateAsync_KongLikeExample_Accepts()
    {
        await NginxProxy.ValidateAsync(ConfigFile.RepoFile("nginx/examples/kong-like-60s.conf"));
    }

    [Fact]
    public async Task ValidateAsync_InvalidValue_ThrowsNginxsEmerg()
    {
        var kong = await File.ReadAllTextAsync(ConfigFile.RepoFile("nginx/examples/kong-like-60s.conf"));
        Assert.Contains("proxy_read_timeout 60s;", kong);
        using var config = ConfigFile.Write(kong.Replace("proxy_read_timeout 60s;", "proxy_read_timeout sixty;"));

        var e = await Assert.ThrowsAsync<NginxConfigException>(() => NginxProxy.ValidateAsync(config.Path));

        Assert.Contains("[emerg]", e.Message);
        Assert.Contains("proxy_read_timeout sixty;", e.Message);
    }

    [Fact]
    public async Task ValidateAsync_MultiLineAccessLog_Accepts()
    {
        using var config = ConfigFile.Write("""
            events { }
            http {
                access_log /var/log/nginx/access.log
                           combined buffer=32k;
                server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; } }
            }
            """);

        await NginxProxy.ValidateAsync(config.Path);
    }

    [Fact]
    public async Task StartAsync_NameWithASpace_Starts()
    {
        await using var lab = new LabSandbox("nginx-name-space");
        var upstream = await RawTcpServer.StartAsync(lab);

        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint, new NginxOptions { Name = "edge proxy" });

        var result = await RawHttpClient.RunAsync(lab, proxy.Endpoint, new RawHttpOptions { Deadline = Bound.Wait });
        Assert.Equal(200, result.Status);
    }
}
