using BrokenPipe.Lab.Runtimes;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Tests.Runtimes;

public sealed class SocketStatsSnapshotTests
{
    [Fact]
    public async Task SnapshotAsync_ClientThatDoesNotRead_ShowsTheResponseInTheClientsRecvQ()
    {
        await using var lab = new LabSandbox("ss-snapshot");
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { Name = "server", ResponseBytes = 3 * 4096 });
        // The client stalls until the snapshot has been taken, then reads the whole response.
        var client = RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions
            {
                Name = "client",
                Read = ReadMode.Stall,
                ResumeWhen = Trigger.On(e => e.Kind == EventKind.Note && e.Actor == "test", "the snapshot is taken"),
            });
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, Bound.Wait, Side.Server, "server"); // all sent, and closed

        var snapshot = await SocketStats.SnapshotAsync(lab, server.Port);
        lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.Note, "snapshot taken") { Actor = "test" });

        Assert.All(snapshot, e => Assert.Equal((EventKind.SocketSnapshot, "ss"), (e.Kind, e.Actor)));
        var clientSide = Assert.Single(snapshot, e => e.Side == Side.Client);
        // Its Recv-Q: the whole response, unread — plus one, for the server's FIN, which ss (rcv_nxt - copied_seq) counts as a byte.
        Assert.Equal((3 * 4096) + 1, clientSide.Bytes);
        Assert.Single(snapshot, e => e.Side == Side.Server); // the server's closed socket, its FIN acknowledged
        Assert.True((await client.WaitAsync(Bound.Wait)).Complete);
    }
}
