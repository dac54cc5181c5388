using System.Globalization;
using System.Net;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Capture;

/// <summary>
/// A packet capture of one run: tcpdump on every interface (loopback, and the veth of a lab's network namespace),
/// TCP on 127.0.0.0/8 and 198.18.0.0/16 only, started before the run's parts and stopped by its PID after them; then cut
/// down to the run's own ports (the listeners its parts registered) and read back with tshark. The lab owns it first,
/// so it is disposed last and sees every part's final FIN or RST. Needs root.
/// </summary>
internal sealed class PacketCapture : IAsyncDisposable
{
    private const string Filter = "tcp and (net 127.0.0.0/8 or net 198.18.0.0/16)";
    private readonly LabSandbox _lab;
    private readonly LocalProcess _tcpdump;
    private readonly string _tcpdumpPath;
    private readonly string _raw;
    private readonly string _path;
    private readonly double _wallStart;
    private readonly TimeSpan _labStart;

    /// <summary>Taken as tcpdump starts: the wall clock and the lab's clock, which relate the packets' times to the timeline's.</summary>
    private PacketCapture(LabSandbox lab, LocalProcess tcpdump, string tcpdumpPath, string raw, string path)
    {
        _lab = lab;
        _tcpdump = tcpdump;
        _tcpdumpPath = tcpdumpPath;
        _raw = raw;
        _path = path;
        _wallStart = Epoch();
        _labStart = lab.Timeline.Now;
    }

    /// <summary>Why this process cannot capture packets (not root), or null.</summary>
    public static string? Unavailable => Environment.IsPrivilegedProcess ? null : "packet capture needs root (tcpdump opens the network interfaces)";

    /// <summary>What the capture showed, once it has been disposed (null before, or when reading it back failed).</summary>
    public CaptureSummary? Summary { get; private set; }

    /// <summary>Starts tcpdump for <paramref name="lab"/>, writing <paramref name="path"/> when the lab is disposed; returns once tcpdump listens.</summary>
    public static async Task<PacketCapture> StartAsync(LabSandbox lab, string path, CancellationToken cancellationToken = default)
    {
        if (Unavailable is { } reason) throw new InvalidOperationException(reason);
        var tcpdump = await BinaryLocator.LocateAsync(ServerProgram.Tcpdump, cancellationToken: cancellationToken).ConfigureAwait(false);
        await BinaryLocator.LocateAsync(ServerProgram.Tshark, cancellationToken: cancellationToken).ConfigureAwait(false);
        var raw = System.IO.Path.Combine(lab.Directory, "capture.pcap");
        // --immediate-mode: every packet reaches the file at once, so none is lost when tcpdump is stopped; -Z root: the
        // file stays writable in the lab's dir; a 160-byte snap length keeps the headers, not the megabytes of bodies.
        // -B: a 32 MB kernel buffer (2 MB by default), so that runs side by side, each tcpdump seeing every run's traffic
        // on loopback, lose no packet; if the kernel drops some anyway, tcpdump says so on exit and the summary tells.
        var process = LocalProcess.Start(lab, tcpdump, ["-Z", "root", "-i", "any", "--immediate-mode", "-B", "32768", "-n", "-U", "-s", "160", "-w", raw, Filter], "tcpdump");
        var capture = new PacketCapture(lab, process, tcpdump, raw, path);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            while (!process.Output.Contains("listening on", StringComparison.Ordinal))
            {
                if (process.HasExited) throw new InvalidOperationException($"tcpdump exited: {process.Output}");
                await Task.Delay(20, bound.Token).ConfigureAwait(false);
            }
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"tcpdump did not start listening within 10 s: {process.Output}");
        }
        lab.Timeline.Note(Side.Lab, $"tcpdump (pid {process.Pid}) captures TCP on every interface into {path}", "tcpdump");
        return capture;
    }

    /// <summary>Stops tcpdump by its PID, cuts the capture down to the run's ports and reads it back into <see cref="Summary"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        await _tcpdump.StopAsync(UnixSignal.Term, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        var dropped = KernelDrops(_tcpdump.Output);
        await _tcpdump.DisposeAsync().ConfigureAwait(false);
        try
        {
            var ports = _lab.Listeners.Select(l => l.Port).Distinct().Order().ToList();
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_path))!);
            // No listener of its own (a run whose connections live in scratch labs of their own): nothing on the wire is
            // this run's, and "tcp" would keep every other run's traffic on the machine (no connection uses port 0).
            var filter = ports.Count == 0 ? "tcp port 0" : string.Join(" or ", ports.Select(p => $"tcp port {p}"));
            var cut = await Command.RunAsync(_tcpdumpPath, ["-r", _raw, "-w", _path, filter], timeout: TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            if (cut.Code != 0) throw new InvalidOperationException(cut.Output);
            var frames = await ReadAsync(_path).ConfigureAwait(false);
            var conversations = WireAnalysis.Conversations(frames);
            var lines = Describe(conversations, frames.Count);
            if (dropped > 0) lines = [$"capture: tcpdump says {dropped} packets were dropped by the kernel: the capture is incomplete", .. lines];
            Summary = new CaptureSummary(_path, frames.Count, conversations, lines)
            {
                KernelDrops = dropped,
                LabTime = f => TimeSpan.FromMilliseconds(LabMs(f)),
                NoListener = ports.Count == 0,
                SideOf = (c, endpoint) => SideOf(endpoint, endpoint == c.Client ? c.Server : null),
            };
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            Summary = new CaptureSummary(_path, 0, [], [$"capture: could not be read back: {e.Message.Split('\n')[0]}"]);
        }
    }

    /// <summary>The frames of a pcap file, read with tshark.</summary>
    public static async Task<IReadOnlyList<WireFrame>> ReadAsync(string pcap, CancellationToken cancellationToken = default)
    {
        var tshark = await BinaryLocator.LocateAsync(ServerProgram.Tshark, cancellationToken: cancellationToken).ConfigureAwait(false);
        var args = new List<string> { "-r", pcap, "-n", "-T", "fields", "-E", "separator=/t", "-Y", "tcp" };
        foreach (var f in WireAnalysis.TsharkFields) args.AddRange(["-e", f]);
        var (code, output) = await Command.RunAsync(tshark, args, timeout: TimeSpan.FromSeconds(120), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (code != 0) throw new InvalidOperationException($"tshark could not read {pcap}: {output.Split('\n')[0]}");
        return WireAnalysis.Parse(output);
    }

    private IReadOnlyList<string> Describe(IReadOnlyList<TcpConversation> conversations, int frames) =>
    [
        $"capture: {_path} — {frames} frames, {conversations.Count} connection{(conversations.Count == 1 ? "" : "s")} (frame numbers as Wireshark shows them)",
        .. WireReport.Lines(conversations, (c, endpoint) => Name(endpoint, endpoint == c.Client ? c.Server : null), f => string.Create(CultureInfo.InvariantCulture, $"{LabMs(f):0.0} ms")),
    ];

    /// <summary>The lab's side at an endpoint: the side listening there, or (for the connecting end) the side connecting to <paramref name="peer"/>.</summary>
    private string Name(string endpoint, string? peer) => TimelineFormat.SideName(SideOf(endpoint, peer));

    private Side SideOf(string endpoint, string? peer)
    {
        if (peer is null) return IPEndPoint.TryParse(endpoint, out var ep) && _lab.Listeners.Contains(ep) ? _lab.SideListeningAt(ep) : Side.Server;
        if (LabConnections.Contains(endpoint, peer)) return Side.Lab; // a readiness probe, a set-up command
        return IPEndPoint.TryParse(peer, out var server) ? _lab.SideConnectingTo(server) : Side.Client;
    }

    /// <summary>tcpdump's own count on exit, "N packets dropped by kernel" (0 when it printed none).</summary>
    internal static long KernelDrops(string output)
    {
        var m = System.Text.RegularExpressions.Regex.Match(output, @"(\d+) packets? dropped by kernel");
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    private double LabMs(WireFrame f) => (f.Epoch - _wallStart) * 1000 + _labStart.TotalMilliseconds;

    private static double Epoch() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
}
