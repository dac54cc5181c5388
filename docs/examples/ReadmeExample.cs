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

        // A client that gives up while the export is still running, like curl and ^C: on the handler's own event,
        // not after a guessed time (a timer can fire late on a loaded machine, after the write).
        await RawHttpClient.RunAsync(lab, server.Endpoint, new RawHttpOptions { CloseWhen = Trigger.On(e => e.Kind == EventKind.Waiting, "the export is running") });

        await lab.Timeline.WaitForAsync(EventKind.WriteIntoVoid, TimeSpan.FromSeconds(5));
        Assert.Equal(Side.Client, lab.Timeline.FirstDisconnect()!.Side);
    }
}
