using System.Net.Sockets;
using System.Text;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;
using BrokenPipe.Lab.Runtimes;
using BrokenPipe.Lab.Tests.Parts.Middlebox;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>nginx behind a <see cref="TcpMiddlebox"/>: who disconnected first is nginx, not the client the middlebox passed its FIN to.</summary>
public sealed class NginxBehindMiddleboxTests
{
    private static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Issue 18: the middlebox passed nginx's FIN on without recording it, so the first disconnect named the client, which
    /// closed only after it read EOF. The race it pins down: the client's own close always comes after nginx's, so a
    /// timeline that misses the relay names the wrong side every time, not now and then.
    /// </summary>
    [Fact]
    public async Task ClientBodyTimeout_ClientStallsMidBody_FirstDisconnectIsTheProxysFin()
    {
        using var config = ConfigFile.Fragment($"client_body_timeout {BodyTimeout.TotalSeconds:0}s;");
        await using var lab = new LabSandbox("nginx-body-timeout-mb");
        var upstream = await RawTcpServer.StartAsync(lab);
        var proxy = await NginxProxy.StartAsync(lab, upstream.Endpoint, new NginxOptions { ConfigTemplatePath = config.Path });
        var box = await TcpMiddlebox.StartAsync(lab, proxy.Endpoint);
        using var client = await Wire.ConnectAsync(box.Endpoint);

        // Headers and 100 of the 1000 bytes the body announces, then nothing: nginx's body read times out.
        await Wire.SendAsync(client, Encoding.ASCII.GetBytes($"POST /upload HTTP/1.1\r\nHost: lab\r\nContent-Length: 1000\r\n\r\n{new string('x', 100)}"));
        var sent = lab.Timeline.Now;
        var relayed = await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.PeerClosed && e.Side == Side.Middlebox && e.Peer == Side.Proxy, BodyTimeout + Bound.Wait, "the middlebox passes nginx's FIN on");
        var atClient = await Wire.ReadToEndAsync(client, Bound.Wait);
        client.Close();
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.PeerClosed && e.Peer == Side.Client, Bound.Wait, "the middlebox passes the client's FIN on");

        Assert.Equal(ReadEndKind.Eof, atClient.Kind);
        var first = lab.Timeline.FirstDisconnect();
        Assert.NotNull(first);
        Assert.Equal((Side.Proxy, "FIN", relayed.At), (first.Side, first.How, first.At));
        Assert.True(first.At - sent >= BodyTimeout - TimeSpan.FromMilliseconds(100), $"nginx closed {first.At - sent} after the body stalled, before its {BodyTimeout} timeout");
        Assert.Contains(lab.Timeline.Snapshot(), e => e.Kind == EventKind.PeerClosed && e.Peer == Side.Client && e.Reply);
    }

    /// <summary>Issue 18: ss's snapshot of the middlebox's port named the middlebox's own socket "server".</summary>
    [Fact]
    public async Task SocketSnapshot_OfTheMiddleboxsPort_NamesTheMiddleboxsSocketAndTheClients()
    {
        await using var lab = new LabSandbox("ss-middlebox");
        using var listener = Wire.Listen();
        var box = await TcpMiddlebox.StartAsync(lab, Wire.EndpointOf(listener));
        using var client = await Wire.ConnectAsync(box.Endpoint);
        using var target = await Wire.AcceptAsync(listener);

        var snapshot = await SocketStats.SnapshotAsync(lab, box.Endpoint.Port);

        Assert.Equal([Side.Client, Side.Middlebox], snapshot.Select(e => e.Side).Order());
    }
}
