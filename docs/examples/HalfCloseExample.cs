using BrokenPipe.Lab;
using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Events;
using BrokenPipe.Lab.Parts.RawTcp;
using BrokenPipe.Lab.Sockets;

namespace MyTeam.Tests;

public class HalfCloseTests
{
    [Fact]
    public async Task Download_ClientHalfClosesAfterTheRequest_StillGetsTheWholeResponse()
    {
        await using var lab = new LabSandbox("half-close");
        // The server answers only once the client's FIN has arrived: a FIN is not "the client has gone".
        var server = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { WaitForPeerClose = true, ResponseBytes = 64 * 1024 });

        var result = await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions
        {
            Close = CloseMode.HalfClose,          // shutdown(SHUT_WR): a FIN, and the client keeps reading
            CloseWhen = Trigger.AfterRequest,
        });

        Assert.True(result.Complete);
        await lab.Timeline.WaitForAsync(EventKind.HandlerCompleted, TimeSpan.FromSeconds(5), Side.Server);
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Kind == EventKind.SendFailed);
        Assert.Equal((Side.Client, "FIN"), (lab.Timeline.FirstDisconnect()!.Side, lab.Timeline.FirstDisconnect()!.How));
    }
}
