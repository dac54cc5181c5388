using BrokenPipe.Lab;
using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Events;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Sockets;

namespace MyTeam.Tests;

public class MiddleboxResetTests
{
    [Fact]
    public async Task Download_MiddleboxResetsMidBody_ClientFailsAfterThe200()
    {
        await using var lab = new LabSandbox("middlebox-reset");
        var server = await KestrelServer.StartAsync(lab, x => x.StreamAsync(10_000_000));
        // A load balancer between the two that resets the flow after 1 MB towards the client.
        var box = await TcpMiddlebox.StartAsync(lab, server.Endpoint, ResetFault.AfterBytesIn(Direction.Downstream, 1_000_000));
        var client = LabHttpClient.Create(lab);

        var result = await client.GetAsync(box.Url("/export"));

        Assert.Equal((200, SocketFailure.ConnectionReset, false), (result.Status, result.Failure, result.Complete));
        var failed = lab.Timeline.Snapshot().Single(e => e.Kind == EventKind.RequestFailed);
        Assert.Equal(Errno.ECONNRESET, failed.Errno);
        Assert.Equal((Side.Middlebox, "RST"), (lab.Timeline.FirstDisconnect()!.Side, lab.Timeline.FirstDisconnect()!.How));
    }
}
