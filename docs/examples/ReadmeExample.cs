using BrokenPipe.Lab;
using BrokenPipe.Lab.Clients;
using BrokenPipe.Lab.Events;
using BrokenPipe.Lab.Parts.Kestrel;

namespace MyTeam.Tests;

public class ExportEndpointTests
{
    [Fact]
    public async Task Export_ClientLeavesBeforeTheWrite_ServerWritesIntoNothing()
    {
        await using var lab = new LabSandbox("export-client-leaves");
        var server = await KestrelServer.StartAsync(lab, async x =>
        {
            await x.DelayAsync(TimeSpan.FromSeconds(1));   // the slow export
            await x.WriteAsync(100_000);
        });

        // A client that gives up after 300 ms, like curl and ^C.
        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { CloseWhen = Trigger.After(TimeSpan.FromMilliseconds(300)) });

        await lab.Timeline.WaitForAsync(EventKind.WriteIntoVoid, TimeSpan.FromSeconds(5));
        Assert.Equal(Side.Client, lab.Timeline.FirstDisconnect()!.Side);
    }
}
