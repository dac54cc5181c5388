using System.Globalization;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Images;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// A server in a container, started with Testcontainers: the lab's run dir bind-mounted at the same path (so the
/// program's arguments, config and log files are the same as for a local process and its logs are tailed the same way),
/// host networking by default, the lab's labels. Its output is followed as a stream; signals go through the engine
/// (SIGSTOP/SIGCONT become pause and unpause, which freeze the whole container). Stopping it kills it by its id, never
/// by name, and removes it.
/// </summary>
internal sealed class DockerContainer : IServerProcess
{
    private const int MaxOutputLines = 200;
    private readonly IContainer _container;
    private readonly IRuntimeHost _lab;
    private readonly string _name;
    private readonly Queue<string> _output = new();
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopFollowing = new();
    private Task _exited = Task.CompletedTask;
    private Task _following = Task.CompletedTask;
    private int _stopped;
    private int _disposed;
    private volatile bool _paused;

    private DockerContainer(IContainer container, IRuntimeHost lab, string name)
    {
        _container = container;
        _lab = lab;
        _name = name;
    }

    /// <summary>The container's id.</summary>
    public string Id => _container.Id;

    /// <summary>The host PID of the container's main process (the server itself: the image's entrypoint is replaced by the program).</summary>
    public int Pid { get; private set; }

    /// <summary>The image it runs.</summary>
    public string Image { get; private init; } = "";

    /// <inheritdoc/>
    public string Where => $" in container {Id[..12]} ({Image})";

    /// <summary>True once the container's main process has exited.</summary>
    public bool HasExited => _exited.IsCompleted;

    /// <summary>What the server printed (stdout and stderr, the last lines).</summary>
    public string Output
    {
        get
        {
            // The stream ends shortly after the process; wait for it (bounded) so an exited server's last words are here.
            if (HasExited) _following.Wait(TimeSpan.FromSeconds(1));
            lock (_gate) return string.Join(Environment.NewLine, _output);
        }
    }

    /// <summary>Creates and starts the container; returns once the engine reports it running (readiness is the part's own probe).</summary>
    internal static async Task<DockerContainer> StartAsync(IRuntimeHost lab, ServerLaunch launch, string image, DockerNetwork network, CancellationToken cancellationToken)
    {
        var builder = new ContainerBuilder(image)
            .WithImagePullPolicy(PullPolicy.Never)
            .WithEntrypoint(launch.Program.Name)
            .WithCommand([.. launch.Arguments])
            .WithBindMount(lab.Directory, lab.Directory)
            .WithLabel(ContainerLabels.For(lab))
            .WithLogger(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance)
            .WithCreateParameterModifier(p => Shape(p, launch, network));
        var container = new DockerContainer(builder.Build(), lab, launch.Name) { Image = image };
        try
        {
            await container._container.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await container._container.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        lab.RememberContainer(container.Id);
        var client = DockerEngine.Client;
        var inspect = await client.Containers.InspectContainerAsync(container.Id, cancellationToken).ConfigureAwait(false);
        container.Pid = (int)(inspect.State?.Pid ?? 0);
        container._exited = client.Containers.WaitContainerAsync(container.Id, CancellationToken.None);
        container._following = container.FollowAsync(container._stopFollowing.Token);
        return container;
    }

    /// <summary>Host network (the default) or a port published on 127.0.0.1 through the engine's proxy; the owner's uid when not root.</summary>
    private static void Shape(CreateContainerParameters p, ServerLaunch launch, DockerNetwork network)
    {
        p.HostConfig ??= new HostConfig();
        if (network == DockerNetwork.Host)
        {
            p.HostConfig.NetworkMode = "host";
        }
        else
        {
            p.ExposedPorts ??= new Dictionary<string, EmptyStruct>();
            p.HostConfig.PortBindings ??= new Dictionary<string, IList<PortBinding>>();
            foreach (var port in launch.Ports)
            {
                var key = $"{port.ToString(CultureInfo.InvariantCulture)}/tcp";
                p.ExposedPorts[key] = default;
                p.HostConfig.PortBindings[key] = [new PortBinding { HostIP = "127.0.0.1", HostPort = port.ToString(CultureInfo.InvariantCulture) }];
            }
        }
        if (!Environment.IsPrivilegedProcess && OwnIds() is { } ids) p.User = ids;
    }

    /// <summary>Sends a signal through the engine: SIGSTOP pauses the container, SIGCONT unpauses it, others are <c>docker kill --signal</c>.</summary>
    public void Signal(UnixSignal signal) => SignalAsync(signal).GetAwaiter().GetResult();

    /// <summary>Completes when the container's main process has exited.</summary>
    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _exited.WaitAsync(cancellationToken);

    /// <summary>Stops it: <paramref name="graceful"/> first, then after <paramref name="grace"/> SIGKILL; then removes it.</summary>
    public async Task StopAsync(UnixSignal graceful, TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        try
        {
            if (!HasExited)
            {
                // A frozen container cannot act on a graceful signal: kill it at once.
                if (_paused) graceful = UnixSignal.Kill;
                await SignalAsync(graceful).ConfigureAwait(false);
                try
                {
                    await _exited.WaitAsync(grace).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    _lab.Timeline.Note(Side.Lab, $"{_name} (container {Id[..12]}) did not stop within {grace.TotalSeconds:0.#} s of SIG{graceful.ToString().ToUpperInvariant()}: killing it", _name);
                    await SignalAsync(UnixSignal.Kill).ConfigureAwait(false);
                    await _exited.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                }
            }
        }
        catch (DockerApiException)
        {
            // It was already gone.
        }
        // The server has exited: its log files, which the part tails, are on the host. Mid-run (a failed start, a kill
        // and restart) the container is removed now, which also ends its log stream. At the lab's disposal the removal
        // (~0.1–0.3 s of the engine's time) goes on in the background, beside the other parts' stops, and the lab waits
        // for it before removing the run dir.
        if (!_lab.Disposing)
        {
            await RemoveAsync().ConfigureAwait(false);
            return;
        }
        await _stopFollowing.CancelAsync().ConfigureAwait(false);
        _removed = RemoveAsync();
        _lab.Defer(_removed);
    }

    private Task _removed = Task.CompletedTask;

    private async Task RemoveAsync()
    {
        await RemoveQuietlyAsync(Id).ConfigureAwait(false);
        _lab.ForgetContainer(Id);
        try
        {
            await _following.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stopFollowing.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops (SIGTERM, then SIGKILL after 3 s) and removes the container.</summary>
    public async ValueTask DisposeAsync()
    {
        // Owned by the lab and by the part that started it: the first dispose does the work.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await StopAsync(UnixSignal.Term, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        // Testcontainers' own dispose after the removal (it would otherwise ask the engine to remove it a second time).
        if (_lab.Disposing) _lab.Defer(DisposeAfterRemovalAsync());
        else await DisposeAfterRemovalAsync().ConfigureAwait(false);
    }

    private async Task DisposeAfterRemovalAsync()
    {
        await _removed.ConfigureAwait(false);
        await _container.DisposeAsync().ConfigureAwait(false);
        _stopFollowing.Dispose();
    }

    /// <summary>Removes a container by its id (force: kills it first); a container already gone is fine.</summary>
    internal static async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await DockerEngine.Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            // Removal already in progress.
        }
    }

    private async Task SignalAsync(UnixSignal signal)
    {
        if (HasExited) return;
        var containers = DockerEngine.Client.Containers;
        switch (signal)
        {
            case UnixSignal.Stop:
                await containers.PauseContainerAsync(Id).ConfigureAwait(false);
                _paused = true;
                break;
            case UnixSignal.Cont:
                await containers.UnpauseContainerAsync(Id).ConfigureAwait(false);
                _paused = false;
                break;
            default:
                await containers.KillContainerAsync(Id, new ContainerKillParameters { Signal = signal.ToString().ToUpperInvariant() }).ConfigureAwait(false);
                break;
        }
    }

    private async Task FollowAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var stream = await DockerEngine.Client.Containers.GetContainerLogsAsync(
                Id, new ContainerLogsParameters { Follow = true, ShowStdout = true, ShowStderr = true }, cancellationToken).ConfigureAwait(false);
            var buffer = new byte[8192];
            var partial = new StringBuilder();
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false);
                if (read.EOF) break;
                partial.Append(Encoding.UTF8.GetString(buffer, 0, read.Count));
                var text = partial.ToString();
                var lines = text.Split('\n');
                partial.Clear().Append(lines[^1]);
                foreach (var line in lines[..^1]) Keep(line.TrimEnd('\r'));
            }
            if (partial.Length > 0) Keep(partial.ToString());
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or DockerApiException or HttpRequestException)
        {
            // The container is gone or the lab stopped following it.
        }
    }

    private void Keep(string line)
    {
        if (line.Length == 0) return;
        lock (_gate)
        {
            _output.Enqueue(line);
            while (_output.Count > MaxOutputLines) _output.Dequeue();
        }
    }

    /// <summary>"UID:GID" of this process, from /proc/self/status.</summary>
    private static string? OwnIds()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/self/status");
            string Field(string key) => lines.First(l => l.StartsWith(key, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
            return $"{Field("Uid:")}:{Field("Gid:")}";
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
