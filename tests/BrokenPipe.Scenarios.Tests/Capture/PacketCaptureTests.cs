using System.Text.RegularExpressions;
using BrokenPipe.Lab.Capture;
using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Capture;

/// <summary>
/// The lab's own captures, where the answer is known: the frames the narration names are what it says they are (read
/// back with tshark), and explain --pcap names the first closer of each connection correctly.
/// </summary>
public sealed partial class PacketCaptureTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("brokenpipe-pcap-").FullName;

    [NeedsCaptureFact]
    public async Task FinVsRst_Captured_TheRstFramesTheNarrationNamesAreRstsFromTheClient()
    {
        var result = await RunAsync(ScenarioIds.FinVsRst);
        var lines = result.Capture!.Lines;

        var rsts = lines.SelectMany(l => RstFrame().Matches(l)).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(3, rsts.Count); // one per connection: the FIN connection's kernel answer, then the two linger-0 closes
        foreach (var frame in rsts)
        {
            var flag = await TsharkAsync(result.Capture.Path, $"frame.number == {frame}", "tcp.flags.reset");
            Assert.Contains(flag, new[] { "1", "True" });
        }
        Assert.Equal(3, lines.Count(l => l.Contains("first to close: the client", StringComparison.Ordinal)));
        Assert.Contains(lines, l => l.Contains("data after the peer's FIN: frame", StringComparison.Ordinal));
    }

    [NeedsCaptureFact]
    public async Task FinVsRst_ExplainPcap_NamesTheClientFirstAndTheScenario()
    {
        var result = await RunAsync(ScenarioIds.FinVsRst);
        using var stdout = new StringWriter();

        var code = await new ExplainCommand(stdout, Catalog.All).RunAsync(["--pcap", result.Capture!.Path]);

        Assert.Equal(0, code);
        var text = stdout.ToString();
        Assert.Equal(3, Regex.Matches(text, "first to close: the client").Count);
        Assert.Contains($"1. {ScenarioIds.FinVsRst} — ", text);
    }

    [NeedsCaptureFact]
    public async Task IngressTimeout_Captured_TheProxyClosesTheUpstreamFirst()
    {
        var result = await RunAsync(ScenarioIds.IngressTimeout);
        var conversations = result.Capture!.Conversations;

        // nginx → each upstream of the run ("raw+kestrel+go"): nginx (the connecting end) sends the first FIN, at the 2 s timeout.
        Assert.Equal(result.Upstream!.Split('+').Length, result.Capture.Lines.Count(l => l.Contains("first to close: the proxy, with a FIN", StringComparison.Ordinal)));
        // The raw upstream writes after that FIN anyway, and nginx's kernel answers with an RST.
        Assert.Contains(conversations, c => c.DataAfterPeerFin.Count > 0 && c.Closes.Any(x => x.How == "RST" && x.Answers is not null));
    }

    [NeedsCaptureFact]
    public async Task NatIdleDrop_Captured_SilenceThenRetransmissions_ExplainSaysDrop()
    {
        var result = await RunAsync(ScenarioIds.NatIdleDrop);

        Assert.Contains(result.Capture!.Conversations, c => c.Retransmissions.Count > 0 && c.FirstClose is null or { How: not "FIN" });
        using var stdout = new StringWriter();
        await new ExplainCommand(stdout, Catalog.All).RunAsync(["--pcap", result.Capture.Path]);
        Assert.Contains("dropped on the path", stdout.ToString());
        Assert.Contains($"1. {ScenarioIds.NatIdleDrop} — ", stdout.ToString());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<ScenarioResult> RunAsync(string id)
    {
        var scenario = Catalog.Find(id)!;
        var result = await ScenarioRunner.RunAsync(scenario, Variant.Broken, settings: new LabSettings { CaptureDirectory = _dir });
        Assert.True(result.Outcome == Outcome.Met, Lab.Reports.TextReport.Narrate(scenario, result));
        Assert.NotNull(result.Capture);
        Assert.True(File.Exists(result.Capture.Path));
        return result;
    }

    /// <summary>One field of the frames matching <paramref name="filter"/>, straight from tshark (not through the lab's reader).</summary>
    private static async Task<string> TsharkAsync(string pcap, string filter, string field)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("tshark") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-r", pcap, "-Y", filter, "-T", "fields", "-e", field }) psi.ArgumentList.Add(a);
        using var tshark = System.Diagnostics.Process.Start(psi)!;
        var output = await tshark.StandardOutput.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await tshark.WaitForExitAsync(bound.Token);
        Assert.Equal(0, tshark.ExitCode);
        return output.Trim();
    }

    [GeneratedRegex(@"frame (\d+) RST")]
    private static partial Regex RstFrame();
}
