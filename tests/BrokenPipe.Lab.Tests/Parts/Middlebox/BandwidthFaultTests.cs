using System.Diagnostics;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

public sealed class BandwidthFaultTests
{
    private const int Rate = 512 * 1024;

    [Fact]
    public async Task Download256KbAt512KbPerSecond_TakesAboutHalfASecond()
    {
        await using var lab = new LabSandbox("mb-bandwidth-down");
        using var hop = await Hop.OpenAsync(lab, new BandwidthFault(Rate));
        var body = Wire.Pattern(256 * 1024);

        await AssertPacedAsync(hop.Target, hop.Client, body);
    }

    [Fact]
    public async Task Upload256KbAt512KbPerSecond_TakesAboutHalfASecond()
    {
        await using var lab = new LabSandbox("mb-bandwidth-up");
        using var hop = await Hop.OpenAsync(lab, new BandwidthFault(Rate));
        var body = Wire.Pattern(256 * 1024);

        await AssertPacedAsync(hop.Client, hop.Target, body);
    }

    [Fact]
    public async Task DownloadAfterARequestAndAPause_IsStillPacedToB()
    {
        await using var lab = new LabSandbox("mb-bandwidth-pause");
        using var hop = await Hop.OpenAsync(lab, new BandwidthFault(Rate));
        var body = Wire.Pattern(256 * 1024);
        await Wire.SendAsync(hop.Client, "GET"u8.ToArray());
        Assert.Equal("GET"u8.ToArray(), await Wire.ReadExactlyAsync(hop.Target, 3));

        await Task.Delay(TimeSpan.FromSeconds(1)); // the target thinks before it answers: the pause is the behaviour under test
        await AssertPacedAsync(hop.Target, hop.Client, body);
    }

    /// <summary>Sends <paramref name="body"/> from <paramref name="from"/>, reads it whole at <paramref name="to"/>: 256 KB at 512 KB/s takes about half a second.</summary>
    private static async Task AssertPacedAsync(Socket from, Socket to, byte[] body)
    {
        var clock = Stopwatch.StartNew();
        var sending = Wire.SendAsync(from, body);
        var received = await Wire.ReadExactlyAsync(to, body.Length);
        var elapsed = clock.Elapsed;
        await sending;

        Assert.Equal(body, received);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
    }
}
