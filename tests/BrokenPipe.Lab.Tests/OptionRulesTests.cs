using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;
using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Lab.Tests;

/// <summary>Options are checked once, when their part starts: every problem at once, each naming the option and its value.</summary>
public sealed class OptionRulesTests
{
    [Fact]
    public void ThrowIfAny_SeveralProblems_NamesEachOptionAndValueInOneMessage()
    {
        var chunk = 0;
        var wait = TimeSpan.FromSeconds(-1);

        var e = Assert.Throws<ArgumentException>(() => new OptionRules("X").AtLeast(chunk, 1).NotNegative(wait).Positive(TimeSpan.FromSeconds(1)).ThrowIfAny());

        Assert.Equal("X: chunk must be at least 1 (was 0); wait must not be negative (was -00:00:01)", e.Message);
    }

    [Fact]
    public void ThrowIfAny_NoProblem_DoesNotThrow()
    {
        new OptionRules("X").AtLeast(1, 1).Positive(0.5).NotBlank("a").FileOrNull(null).That(true, "never").ThrowIfAny();
    }

    [Fact]
    public async Task RawTcpServer_ZeroByteChunks_FailsAtStartNamingTheOption()
    {
        await using var lab = new LabSandbox("options-raw");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => RawTcpServer.StartAsync(lab, new RawTcpServerOptions { ChunkBytes = 0 }));

        Assert.Equal("RawTcpServerOptions: ChunkBytes must be at least 1 (was 0)", e.Message);
    }

    [Fact]
    public async Task RedisServer_AFractionOfASecondIdleTimeout_FailsAtStartSayingRedisCountsSeconds()
    {
        await using var lab = new LabSandbox("options-redis");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = TimeSpan.FromMilliseconds(1500) }));

        Assert.Equal("RedisOptions: IdleTimeout must be whole seconds: Redis's timeout counts seconds (was 00:00:01.5000000)", e.Message);
    }

    [Fact]
    public async Task NginxProxy_ACertificateWithoutItsKey_FailsAtStart()
    {
        await using var lab = new LabSandbox("options-nginx");
        var cert = Path.Combine(lab.Directory, "cert.pem");
        await File.WriteAllTextAsync(cert, "x");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => NginxProxy.StartAsync(lab, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1), new NginxOptions { TlsCertificatePath = cert }));

        Assert.Equal("NginxOptions: TlsCertificatePath and TlsKeyPath go together: give both or neither", e.Message);
    }

    [Fact]
    public async Task KestrelServer_ANegativeRate_FailsAtStart()
    {
        await using var lab = new LabSandbox("options-kestrel");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => KestrelServer.StartAsync(lab, _ => Task.CompletedTask, new KestrelOptions { MinResponseDataRate = new DataRate(-1, TimeSpan.Zero) }));

        Assert.Equal("KestrelOptions: MinResponseDataRate.BytesPerSecond must be a positive number (was -1)", e.Message);
    }

    [Fact]
    public async Task RawHttpClient_ALowerCaseMethod_FailsBeforeItConnects()
    {
        await using var lab = new LabSandbox("options-client");

        var e = await Assert.ThrowsAsync<ArgumentException>(() => RawHttpClient.RunAsync(lab, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1), new RawHttpOptions { Method = "get" }));

        Assert.Equal("RawHttpOptions: Method must be an HTTP method in capitals (was \"get\")", e.Message);
    }
}
