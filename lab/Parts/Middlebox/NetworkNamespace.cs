using System.Net;
using System.Runtime.ExceptionServices;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>
/// A network namespace of the lab's own, <c>bpl-N</c>, joined to this host by a veth pair (<c>bplNh</c> here,
/// <c>bplNn</c> inside) on a /30 of 198.18.0.0/16 — RFC 2544's range for benchmarking, routed nowhere — so traffic
/// to its inside address crosses a real link with its own netfilter hooks. Nothing else is reachable through it.
/// Creating it needs root. It is noted in the lab's run dir before anything is created, so a later lab removes it if
/// this process dies first; deleting it removes its veth pair, rules and settings with it.
/// </summary>
internal sealed class NetworkNamespace : IAsyncDisposable
{
    private const int Slots = 16384; // /30s in 198.18.0.0/16
    private readonly LabSandbox _lab;
    private readonly string _ip;
    private int _disposed;

    private NetworkNamespace(LabSandbox lab, string ip, int slot)
    {
        _lab = lab;
        _ip = ip;
        Name = $"bpl-{slot}";
        HostInterface = Reaper.HostEnd(Name);
        InsideInterface = $"bpl{slot}n";
        var network = (slot * 4) + (198 << 24) + (18 << 16);
        HostAddress = Address(network + 1);
        InsideAddress = Address(network + 2);
    }

    public string Name { get; }

    public string HostInterface { get; }

    public string InsideInterface { get; }

    public IPAddress HostAddress { get; }

    public IPAddress InsideAddress { get; }

    /// <summary>Null when this process can create namespaces; otherwise why not, in one sentence.</summary>
    public static string? Unavailable =>
        !OperatingSystem.IsLinux() ? "network namespaces exist only on Linux"
        : !Environment.IsPrivilegedProcess ? "creating a network namespace, a veth pair and nftables rules needs root (CAP_NET_ADMIN); run as root, or use drop-after-idle, the user-space blackhole"
        : null;

    /// <summary>Creates a namespace on a free slot (a slot another lab holds is skipped), wired and up.</summary>
    public static async Task<NetworkNamespace> CreateAsync(LabSandbox lab, CancellationToken cancellationToken)
    {
        if (Unavailable is { } reason) throw new RuntimeMissingException(reason);
        var ip = await BinaryLocator.LocateAsync(ServerProgram.Ip, cancellationToken: cancellationToken).ConfigureAwait(false);
        Exception? last = null;
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var ns = new NetworkNamespace(lab, ip, Random.Shared.Next(Slots));
            // `ip netns add` fails when the name exists: that claims the slot against other labs.
            var (code, output) = await Command.RunAsync(ip, ["netns", "add", ns.Name], cancellationToken: cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                last = new InvalidOperationException($"ip netns add {ns.Name}: {output}");
                continue;
            }
            lab.RememberNamespace(ns.Name);
            try
            {
                foreach (var args in ns.WiringCommands()) await Command.RunCheckedAsync(ip, args, cancellationToken: cancellationToken).ConfigureAwait(false);
                return ns;
            }
            catch (InvalidOperationException e)
            {
                // A leftover interface of another run may hold this slot's names: free the slot, try another.
                last = e;
                await ns.DisposeAsync().ConfigureAwait(false);
            }
        }
        throw new InvalidOperationException($"could not create a network namespace: {last?.Message}", last);
    }

    /// <summary>Runs <paramref name="program"/> inside the namespace (<c>ip netns exec</c>); a non-zero exit throws with its output.</summary>
    public Task<string> ExecAsync(string program, IEnumerable<string> args, string? input = null, CancellationToken cancellationToken = default) =>
        Command.RunCheckedAsync(_ip, ["netns", "exec", Name, program, .. args], input, cancellationToken);

    /// <summary>
    /// Runs <paramref name="action"/> on a thread of its own that has joined the namespace, and returns its result:
    /// a socket created there belongs to the namespace for its whole life; /proc/sys/net there is the namespace's.
    /// The thread ends with the action, so no other code ever runs in the namespace.
    /// </summary>
    public T Inside<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (var handle = File.OpenHandle($"/run/netns/{Name}")) Syscalls.JoinNetworkNamespace(handle);
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = $"in {Name}",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>Deletes the host's end of the veth pair (which takes the inside end with it) and then the namespace.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        var (code, output) = await Reaper.DeleteNamespaceAsync(_ip, Name).ConfigureAwait(false);
        if (code == 0 || !Exists(Name)) _lab.ForgetNamespace(Name);
        else throw new InvalidOperationException($"ip netns del {Name}: {output}");
    }

    /// <summary>Whether a namespace of that name exists (is mounted under /run/netns).</summary>
    public static bool Exists(string name) => File.Exists($"/run/netns/{name}");

    /// <summary>Whether a network interface of that name exists in this host's namespace.</summary>
    public static bool InterfaceExists(string name) => Directory.Exists($"/sys/class/net/{name}");

    private IEnumerable<string[]> WiringCommands() =>
    [
        ["link", "add", HostInterface, "type", "veth", "peer", "name", InsideInterface, "netns", Name],
        ["addr", "add", $"{HostAddress}/30", "dev", HostInterface],
        ["link", "set", HostInterface, "up"],
        ["-n", Name, "addr", "add", $"{InsideAddress}/30", "dev", InsideInterface],
        ["-n", Name, "link", "set", InsideInterface, "up"],
        ["-n", Name, "link", "set", "lo", "up"],
    ];

    private static IPAddress Address(int value) => new([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
}
