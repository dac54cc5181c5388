using BrokenPipe.Lab.Parts;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Parts.RawTcp;

namespace BrokenPipe.Lab.Tests.Parts;

public sealed class PartUrlTests
{
    [Fact]
    public async Task Url_OfEachHttpPart_ReachesThatPart()
    {
        await using var lab = new LabSandbox("part-urls");
        var kestrel = await KestrelServer.StartAsync(lab, x => x.WriteAsync(3));
        var raw = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions { ResponseBytes = 200 });
        var box = await TcpMiddlebox.StartAsync(lab, kestrel.Endpoint);
        var client = LabHttpClient.Create(lab);

        foreach (IPart part in new IPart[] { kestrel, raw, box })
        {
            Assert.Equal($"http://{part.Endpoint}/x?y=1", part.Url("/x?y=1").ToString());
            Assert.Equal(200, (await client.GetAsync(part.Url())).Status);
        }
    }
}
