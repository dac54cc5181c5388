using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using BrokenPipe.Lab.Parts.Middlebox.Faults;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Middlebox;

// On the wire: real packets dropped by a real kernel. The client connects to an address inside a network namespace
// of the lab's own; its packets cross a veth pair into the namespace, whose connection tracking keeps one entry per
// flow, as a NAT gateway or a stateful firewall does. Every packet of the flow refreshes its entry; once the flow has
// been idle for T (whole seconds: conntrack's established timeout), the kernel forgets it, and from then on an
// nftables rule DROPs every packet of it in both directions: no FIN, no RST, no ACK, ever. Unlike drop-after-idle's
// user-space blackhole, nothing acknowledges the client's bytes: its TCP retransmits with exponential backoff and fails
// with ETIMEDOUT only when TCP_USER_TIMEOUT runs out, when its keepalive probes go unanswered, or after tcp_retries2
// (about 15 minutes). A new connection (a SYN) gets a new entry and works. Inside the namespace a forwarder passes
// the flow on to the target over loopback. Needs root; StartAsync says why when it cannot.

/// <summary>A middlebox whose kernel forgets flows idle for T and then drops their packets for real (conntrack + nftables in a namespace).</summary>
public sealed partial class PacketDropMiddlebox : IPart, IAsyncDisposable
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(200);
    private readonly NetworkNamespace _namespace;
    private readonly string _nft;
    private readonly Timeline _timeline;
    private readonly string _name;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;

    private PacketDropMiddlebox(NetworkNamespace ns, TcpMiddlebox forwarder, string nft, TimeSpan idle, Timeline timeline, string name)
    {
        _namespace = ns;
        Forwarder = forwarder;
        _nft = nft;
        IdleTimeout = idle;
        _timeline = timeline;
        _name = name;
        _polling = Task.Run(PollAsync);
    }

    /// <summary>Where clients connect: the namespace's own address (198.18.x.y), a port from the kernel.</summary>
    public IPEndPoint Endpoint => Forwarder.Endpoint;

    /// <inheritdoc/>
    public Uri Url(string pathAndQuery = "/") => new($"http://{Endpoint}{pathAndQuery}");

    public TimeSpan IdleTimeout { get; }

    /// <summary>The network namespace (<c>bpl-N</c>); gone after dispose.</summary>
    public string NamespaceName => _namespace.Name;

    /// <summary>The host's end of the veth pair; gone after dispose.</summary>
    public string HostInterface => _namespace.HostInterface;

    /// <summary>The forwarder inside the namespace (its flows are on the timeline as usual).</summary>
    public TcpMiddlebox Forwarder { get; }

    /// <summary>Packets dropped so far: from the client, and towards it (the forwarder's own retransmissions, ACKs, FINs).</summary>
    public (long FromClient, long ToClient) Dropped { get; private set; }

    /// <summary>Null when this process can build the packet-drop path; otherwise why not (run as root).</summary>
    public static string? Unavailable => NetworkNamespace.Unavailable;

    public static async Task<PacketDropMiddlebox> StartAsync(LabSandbox lab, IPEndPoint target, TimeSpan idle, string name = "nat", CancellationToken cancellationToken = default)
    {
        if (idle < TimeSpan.FromSeconds(1) || idle.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(idle), idle, "the kernel's flow table times entries out in whole seconds: give 1 s or more, in whole seconds");
        }
        var nft = await BinaryLocator.LocateAsync(ServerProgram.Nft, cancellationToken: cancellationToken).ConfigureAwait(false);
        var ns = lab.Own(await NetworkNamespace.CreateAsync(lab, cancellationToken).ConfigureAwait(false), $"{name} namespace");
        await ns.ExecAsync(nft, ["-f", "-"], Ruleset(ns.InsideInterface), cancellationToken).ConfigureAwait(false);
        ns.Inside(() =>
        {
            // The ruleset's ct expressions loaded conntrack in the namespace, so its settings exist now. Strict
            // tracking: a packet of a forgotten flow is never picked up as a new flow.
            File.WriteAllText("/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established", ((int)idle.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            File.WriteAllText("/proc/sys/net/netfilter/nf_conntrack_tcp_loose", "0");
            return 0;
        });
        var listener = ns.Inside(() => TcpMiddlebox.Listen(ns.InsideAddress));
        var forwarder = TcpMiddlebox.Start(lab, listener, target, NoFault.Instance, name);
        var box = lab.Own(new PacketDropMiddlebox(ns, forwarder, nft, idle, lab.Timeline, name), name);
        lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.PartStarted, $"packet-drop middlebox: network namespace {ns.Name} ({ns.HostAddress} ↔ {ns.InsideAddress} over veth {ns.HostInterface}); its kernel forgets a flow idle for {idle.TotalSeconds:0} s, then drops every packet of it") { Actor = name });
        return box;
    }

    /// <summary>Reads the drop counters now (they are also polled every 200 ms and recorded when they grow).</summary>
    public async Task<(long FromClient, long ToClient)> ReadCountersAsync(CancellationToken cancellationToken = default)
    {
        var listing = await _namespace.ExecAsync(_nft, ["list", "counters", "table", "inet", "lab"], cancellationToken: cancellationToken).ConfigureAwait(false);
        long Count(string counter) =>
            CounterLine().Matches(listing).FirstOrDefault(m => m.Groups[1].Value == counter) is { } m ? long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        return (Count("from_client"), Count("to_client"));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _polling.ConfigureAwait(false);
        _stop.Dispose();
        // The forwarder and the namespace are the lab's own parts, stopped next in that order.
    }

    private async Task PollAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollEvery, _stop.Token).ConfigureAwait(false);
                var now = await ReadCountersAsync(_stop.Token).ConfigureAwait(false);
                var before = Dropped;
                Dropped = now;
                if (now.FromClient > before.FromClient) Record(now.FromClient - before.FromClient, now.FromClient, Side.Client);
                if (now.ToClient > before.ToClient) Record(now.ToClient - before.ToClient, now.ToClient, Forwarder.TargetSide);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                _timeline.Note(Side.Lab, $"reading the drop counters failed: {e.Message}", _name);
                return;
            }
        }
    }

    private void Record(long more, long total, Side from) =>
        _timeline.Record(new LabEvent(Side.Middlebox, EventKind.FlowDropped, $"dropped {more} more packets {(from == Side.Client ? "from the client" : "towards the client")} ({total} in all): a flow idle for over {IdleTimeout.TotalSeconds:0} s was forgotten (no FIN, no RST, no ACK)") { Actor = _name, Closed = CloseHow.Drop, From = from });

    /// <summary>
    /// Only TCP on the veth is filtered (the interface's own IPv6 chatter passes). A tracked flow passes; a SYN starts a new one; anything else — a packet of a flow the
    /// table forgot — is counted and dropped.
    /// </summary>
    private static string Ruleset(string inside) => $$"""
        table inet lab {
          counter from_client {}
          counter to_client {}
          chain in {
            type filter hook input priority 0; policy accept;
            iifname != "{{inside}}" accept
            meta l4proto != tcp accept
            ct state established accept
            tcp flags & (syn | ack) == syn ct state new accept
            counter name from_client drop
          }
          chain out {
            type filter hook output priority 0; policy accept;
            oifname != "{{inside}}" accept
            meta l4proto != tcp accept
            ct state established accept
            counter name to_client drop
          }
        }
        """;

    [GeneratedRegex(@"counter (\w+) \{\s*packets (\d+) bytes \d+")]
    private static partial Regex CounterLine();
}
