using System.Diagnostics;
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

        var clock = Stopwatch.StartNew();
        var sending = Wire.SendAsync(hop.Target, body);
        var atClient = await Wire.ReadExactlyAsync(hop.Client, body.Length);
        var elapsed = clock.Elapsed;
        await sending;

        Assert.Equal(body, atClient);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Upload256KbAt512KbPerSecond_TakesAboutHalfASecond()
    {
        await using var lab = new LabSandbox("mb-bandwidth-up");
        using var hop = await Hop.OpenAsync(lab, new BandwidthFault(Rate));
        var body = Wire.Pattern(256 * 1024);

        var clock = Stopwatch.StartNew();
        var sending = Wire.SendAsync(hop.Client, body);
        var atTarget = await Wire.ReadExactlyAsync(hop.Target, body.Length);
        var elapsed = clock.Elapsed;
        await sending;

        Assert.Equal(body, atTarget);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
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
        var clock = Stopwatch.StartNew();
        var sending = Wire.SendAsync(hop.Target, body);
        var atClient = await Wire.ReadExactlyAsync(hop.Client, body.Length);
        var elapsed = clock.Elapsed;
        await sending;

        Assert.Equal(body, atClient);
        Assert.InRange(elapsed, TimeSpan.FromSeconds(0.4), TimeSpan.FromSeconds(5));
    }
}
