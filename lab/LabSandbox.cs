using System.Net;
using System.Net.Sockets;

namespace BrokenPipe.Lab;

/// <summary>
/// One sandbox per scenario run: a temp dir, one timeline (one monotonic clock for every side), ports from the
/// kernel, and every part it started, disposed in reverse order by <see cref="DisposeAsync"/> — also when the
/// scenario failed or was canceled.
/// </summary>
public sealed class LabSandbox : IAsyncDisposable, Runtimes.IRuntimeHost
{
    /// <summary>
    /// All lab temp dirs of this user live under this root, <c>$TMPDIR/brokenpipe-lab-UID</c> (mode 0700), named
    /// <c>NAME-PID-RANDOM</c>, so leftovers of a crashed process can be reaped. Each user has their own.
    /// </summary>
    public static readonly string TempRoot = Runtimes.RunRoot.Path;

    private readonly Stack<(string Name, IAsyncDisposable Part)> _owned = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPEndPoint, Side> _listeners = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<IPEndPoint, Side> _fronts = new();
    private readonly Lock _gate = new();
    private readonly List<Task> _deferred = [];
    private int _disposed;

    public LabSandbox(string name = "lab", TimeProvider? time = null)
    {
        Name = name;
        Time = time ?? TimeProvider.System;
        Timeline = new Timeline(Time);
        // A test host killed mid-run leaves its dir, processes, namespaces and containers behind: the next lab removes them.
        Runtimes.RunRoot.Ensure(TempRoot);
        Runtimes.Reaper.ReapDeadLabs(TempRoot);
        Directory = Path.Combine(TempRoot, Runtimes.Reaper.RunDirName(Sanitize(name)));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Name { get; }

    /// <summary>What this lab's parts run on (runtime, images, library versions); <see cref="LabSettings.Default"/> unless set.</summary>
    public LabSettings Settings { get; init; } = LabSettings.Default;

    public TimeProvider Time { get; }

    public Timeline Timeline { get; }

    /// <summary>The run's own temp dir, removed on dispose.</summary>
    public string Directory { get; }

    /// <summary>
    /// An idle gap that is part of the scenario — a pooled connection left alone past a middlebox's idle timeout, a
    /// client quiet past a server's timeout: recorded as <see cref="EventKind.Idle"/> with <paramref name="reason"/>, then
    /// waited out on the lab's clock. Not for waiting until something happens: <see cref="Timeline.WaitForAsync(Func{LabEvent, bool}, TimeSpan, string?, CancellationToken)"/> does that.
    /// </summary>
    public async Task IdleAsync(TimeSpan duration, string reason, CancellationToken cancellationToken = default)
    {
        Timeline.Record(new LabEvent(Side.Lab, EventKind.Idle, $"idle for {duration.TotalSeconds:0.###} s: {reason}") { Duration = duration });
        await Task.Delay(duration, Time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes ownership of a part: it is disposed, in reverse order of adoption, when the lab is.
    /// Returns the part for chaining.
    /// </summary>
    public T Own<T>(T part, string name)
        where T : IAsyncDisposable
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            _owned.Push((name, part));
        }
        return part;
    }

    /// <summary>Notes which side listens at <paramref name="endpoint"/> (parts call it when they start).</summary>
    public void RegisterListener(IPEndPoint endpoint, Side side) => _listeners[endpoint] = side;

    /// <summary>Every endpoint a part of this lab listens on (a packet capture keeps the traffic of these ports).</summary>
    public IReadOnlyCollection<IPEndPoint> Listeners => [.. _listeners.Keys];

    /// <summary>Notes that <paramref name="side"/> (a proxy, a middlebox) is the one that connects to <paramref name="endpoint"/>.</summary>
    public void RegisterFront(IPEndPoint endpoint, Side side) => _fronts[endpoint] = side;

    /// <summary>Who a client of <paramref name="endpoint"/> talks to: the side registered there (a server by default).</summary>
    public Side SideListeningAt(IPEndPoint endpoint) => _listeners.GetValueOrDefault(endpoint, Side.Server);

    /// <summary>Who connects to <paramref name="endpoint"/>: a proxy or middlebox in front of it, else a client.</summary>
    public Side SideConnectingTo(IPEndPoint endpoint) => _fronts.GetValueOrDefault(endpoint, Side.Client);

    /// <summary>
    /// A free port on 127.0.0.1 for a process that must be told its port up front (nginx, redis). In-process parts bind
    /// 127.0.0.1:0 themselves and read the port back. The port comes from just below the kernel's ephemeral range
    /// (net.ipv4.ip_local_port_range, 32768–60999 by default), where the kernel never hands a port to a bind(0) or a
    /// connect(): between the probe's close and the program's bind, no other socket of this machine — another test's
    /// Kestrel, a client's connect, an observer — can take it. A port from the kernel's own range was taken in that window
    /// now and then with labs side by side (nginx: "bind() … failed (98: Address already in use)" while its readiness
    /// probe found the other listener; a Redis test read "HTTP/1.1 400" from a Kestrel). A port is handed out once per
    /// 5 minutes in this process; another process picks the same one only by a 1-in-12,000 chance.
    /// </summary>
    public static int FreePort()
    {
        var (low, count) = BelowEphemeral.Value;
        for (var attempt = 0; ; attempt++)
        {
            var port = attempt < 1000 ? low + Random.Shared.Next(count) : KernelPort();
            var now = Environment.TickCount64;
            if (HandedOut.TryGetValue(port, out var at) && now - at < 300_000) continue;
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
            }
            catch (SocketException)
            {
                continue; // in use here (a listener, or a connection still in TIME_WAIT on it)
            }
            HandedOut[port] = now;
            return port;
        }
    }

    private static int KernelPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    /// <summary>Up to 12,000 ports just below the kernel's ephemeral range (read from /proc; 32768 when it cannot be read).</summary>
    private static readonly Lazy<(int Low, int Count)> BelowEphemeral = new(() =>
    {
        var first = 32768;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (range.Length >= 1 && int.TryParse(range[0], out var parsed)) first = parsed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        var low = Math.Max(1024, first - 12_000);
        return (low, Math.Max(1, first - low));
    });

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, long> HandedOut = new();

    /// <summary>
    /// Notes a child process (PID, start time, name) in the run dir, so that if this process dies before disposing the
    /// lab, the next lab reaps it by its PID — the start time guards against a PID the kernel has since reused.
    /// </summary>
    internal void RememberProcess(int pid, string name) => Append(Runtimes.Reaper.ProcessRegistry, $"{pid} {Runtimes.Reaper.StartTime(pid)} {name}");

    internal void ForgetProcess(int pid) => Remove(Runtimes.Reaper.ProcessRegistry, l => l.StartsWith($"{pid} ", StringComparison.Ordinal));

    /// <summary>Notes a network namespace the lab created, so that a later lab removes it if this process dies first.</summary>
    internal void RememberNamespace(string name) => Append(Runtimes.Reaper.NamespaceRegistry, name);

    internal void ForgetNamespace(string name) => Remove(Runtimes.Reaper.NamespaceRegistry, l => l == name);

    /// <summary>
    /// True once <see cref="DisposeAsync"/> has begun. A part stopped then may leave clean-up running (a container's
    /// removal once its process has exited) through <see cref="Defer"/>: it overlaps the other parts' stops, and
    /// <see cref="DisposeAsync"/> waits for it (bounded) before the run dir goes. Stopped earlier, a part cleans up at once.
    /// </summary>
    internal bool Disposing => Volatile.Read(ref _disposed) != 0;

    /// <summary>Adds <paramref name="cleanup"/> to what <see cref="DisposeAsync"/> waits for (see <see cref="Disposing"/>).</summary>
    internal void Defer(Task cleanup)
    {
        lock (_gate) _deferred.Add(cleanup);
    }

    /// <summary>Notes a container the lab created, so that a later lab removes it if this process dies first.</summary>
    internal void RememberContainer(string id) => Append(Runtimes.Reaper.ContainerRegistry, id);

    internal void ForgetContainer(string id) => Remove(Runtimes.Reaper.ContainerRegistry, l => l == id);

    private void Append(string registry, string line)
    {
        lock (_gate) File.AppendAllText(Path.Combine(Directory, registry), line + Environment.NewLine);
    }

    private void Remove(string registry, Func<string, bool> match)
    {
        var path = Path.Combine(Directory, registry);
        lock (_gate)
        {
            if (!File.Exists(path)) return;
            File.WriteAllLines(path, File.ReadAllLines(path).Where(l => !match(l)));
        }
    }

    bool Runtimes.IRuntimeHost.Disposing => Disposing;

    void Runtimes.IRuntimeHost.Defer(Task cleanup) => Defer(cleanup);

    void Runtimes.IRuntimeHost.RememberProcess(int pid, string name) => RememberProcess(pid, name);

    void Runtimes.IRuntimeHost.ForgetProcess(int pid) => ForgetProcess(pid);

    void Runtimes.IRuntimeHost.RememberContainer(string id) => RememberContainer(id);

    void Runtimes.IRuntimeHost.ForgetContainer(string id) => ForgetContainer(id);

    string Runtimes.IRuntimeHost.ImageFor(Runtimes.ServerProgram program) => Settings.ImageFor(program);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        while (true)
        {
            (string Name, IAsyncDisposable Part) next;
            lock (_gate)
            {
                if (!_owned.TryPop(out next)) break;
            }
            try
            {
                await next.Part.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Timeline.Note(Side.Lab, $"stopping {next.Name} failed: {e.Message}");
            }
        }
        Task[] deferred;
        lock (_gate) deferred = [.. _deferred];
        try
        {
            await Task.WhenAll(deferred).WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Timeline.Note(Side.Lab, $"clean-up after the parts' stop failed: {e.Message}");
        }
        Runtimes.Reaper.TryDelete(Directory);
    }

    private static string Sanitize(string name) =>
        new([.. name.Take(40).Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' ? c : '-')]);
}
