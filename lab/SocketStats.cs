using System.Globalization;

namespace BrokenPipe.Lab;

/// <summary>
/// <c>ss -tni</c> snapshots of the connections on one port, recorded as <see cref="EventKind.SocketSnapshot"/> events:
/// what an operator would run to see a stall (Send-Q full on the writer, Recv-Q full on the reader).
/// On the listening side's socket <see cref="LabEvent.Bytes"/> is its Send-Q; on the connecting side's, its Recv-Q. Each
/// socket is named by the lab's side at its end: the side listening at the port (a middlebox's own socket is the
/// middlebox's, not the server's), and for the other end the side that connects to it (a proxy, a middlebox, else a client). The lab's servers
/// listen on 127.0.0.1, and the filter says so: a port number alone also matches a flow into one of the lab's network
/// namespaces (the packet-drop middlebox), whose ports come from that namespace's own range.
/// </summary>
public static class SocketStats
{
    public static async Task<IReadOnlyList<LabEvent>> SnapshotAsync(LabSandbox lab, int serverPort, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lab);
        var timeline = lab.Timeline;
        string output;
        try
        {
            // Through the one process runner: bounded, and killed by its PID if it hangs.
            (_, output) = await Runtimes.Command.RunAsync("ss", ["-tniH", "state", "all", $"( src 127.0.0.1:{serverPort} or dst 127.0.0.1:{serverPort} )"], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return [timeline.Note(Side.Lab, $"ss (iproute2) is not available: {e.Message}")];
        }
        var events = new List<LabEvent>();
        foreach (var (socketLine, info) in Parse(output))
        {
            var f = socketLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 5 || f[0] == "LISTEN") continue;
            var recvQ = long.Parse(f[1], CultureInfo.InvariantCulture);
            var sendQ = long.Parse(f[2], CultureInfo.InvariantCulture);
            var isServer = f[3].EndsWith($":{serverPort}", StringComparison.Ordinal);
            // The side listening at the port, and the one connecting to it: a middlebox or a proxy in front is named as such.
            var listening = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, serverPort);
            var side = isServer ? lab.SideListeningAt(listening) : lab.SideConnectingTo(listening);
            var detail = $"ss: {f[0]} Recv-Q={recvQ} Send-Q={sendQ} {f[3]} -> {f[4]}" + (info.Length > 0 ? $" | {info}" : "");
            events.Add(timeline.Record(new LabEvent(side, EventKind.SocketSnapshot, detail) { Actor = "ss", Bytes = isServer ? sendQ : recvQ }));
        }
        return events;
    }

    /// <summary>ss prints each socket on one line and its TCP info on the next, indented.</summary>
    internal static IEnumerable<(string Socket, string Info)> Parse(string output)
    {
        string? current = null;
        foreach (var raw in output.Split('\n'))
        {
            if (raw.Length == 0) continue;
            if (char.IsWhiteSpace(raw[0]) && current is not null)
            {
                yield return (current, Keep(raw.Trim()));
                current = null;
                continue;
            }
            if (current is not null) yield return (current, "");
            current = raw.Trim();
        }
        if (current is not null) yield return (current, "");
    }

    /// <summary>Only the fields that tell a stall: rwnd-limited time, bytes not sent, backoff, zero-window probes.</summary>
    private static string Keep(string info) =>
        string.Join(' ', info.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(x => x.StartsWith("notsent:", StringComparison.Ordinal) || x.StartsWith("rwnd_limited:", StringComparison.Ordinal) ||
                        x.StartsWith("backoff:", StringComparison.Ordinal) || x.StartsWith("rcv_space:", StringComparison.Ordinal) ||
                        x.StartsWith("snd_wnd:", StringComparison.Ordinal) || x.StartsWith("bytes_acked:", StringComparison.Ordinal)));
}
