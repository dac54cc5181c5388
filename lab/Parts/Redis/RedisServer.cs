using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Protocols;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Redis;

/// <summary>
/// A real redis-server as a local process: a port from the lab, no persistence, its log at verbose (where "Closing
/// idle client" is) tailed into the timeline (side <see cref="Side.Redis"/>), ready when PING answers. Operations
/// scenarios can kill -9 it and restart it on the same port, pause and resume it, and snapshot INFO / CLIENT LIST.
/// </summary>
public sealed class RedisServer : IPart, IAsyncDisposable
{
    private readonly LabSandbox _lab;
    private readonly RedisOptions _options;
    private readonly PartProcess _process;
    private int _disposed;

    private RedisServer(LabSandbox lab, RedisOptions options, IPEndPoint endpoint, PartProcess process)
    {
        _lab = lab;
        _options = options;
        Endpoint = endpoint;
        _process = process;
    }

    public IPEndPoint Endpoint { get; }

    /// <inheritdoc/>
    public Uri Url(string pathAndQuery = "/") => new($"redis://{Endpoint}{pathAndQuery}");

    public int Port => Endpoint.Port;

    public int Pid => _process.Process.Pid;

    /// <summary>From starting the process until PING answers.</summary>
    public TimeSpan StartupTime => _process.StartupTime;

    /// <summary>"127.0.0.1:PORT", for client configuration strings.</summary>
    public string Address => $"{Endpoint.Address}:{Endpoint.Port}";

    public static async Task<RedisServer> StartAsync(LabSandbox lab, RedisOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new RedisOptions();
        options.Validate();
        var dir = Path.Combine(lab.Directory, options.Name);
        Directory.CreateDirectory(dir);
        var endpoint = new IPEndPoint(IPAddress.Loopback, LabSandbox.FreePort());
        var process = await PartProcess.StartAsync(lab, Start(lab, options, dir, endpoint), cancellationToken).ConfigureAwait(false);
        return process.Own(new RedisServer(lab, options, endpoint, process));
    }

    /// <summary>
    /// Why Redis cannot run on the docker runtime under <paramref name="settings"/> now (no engine, or no such image), or
    /// null; see <see cref="DockerRuntime.ImageUnavailable"/>.
    /// </summary>
    public static string? DockerImageUnavailable(LabSettings settings) => DockerRuntime.ImageUnavailable(settings.ImageFor(RedisProgram.Descriptor));

    /// <summary>kill -9: the process dies at once and the kernel closes all its sockets (a crash, an OOM kill).</summary>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        _lab.Timeline.Record(new LabEvent(Side.Redis, EventKind.RedisKilled, $"kill -9 {Pid}: the kernel closes every socket of redis-server") { Actor = _options.Name, Closed = CloseHow.Fin });
        _process.Process.Signal(UnixSignal.Kill);
        await _process.Process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts redis-server again on the same port (after <see cref="KillAsync"/>); returns when PING answers.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await _process.RestartAsync(this, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGSTOP: the process stops; the kernel still accepts and buffers, nothing answers.</summary>
    public void Pause()
    {
        _lab.Timeline.Record(new LabEvent(Side.Redis, EventKind.RedisPaused, $"SIGSTOP {Pid}") { Actor = _options.Name });
        _process.Process.Signal(UnixSignal.Stop);
    }

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume()
    {
        _process.Process.Signal(UnixSignal.Cont);
        _lab.Timeline.Record(new LabEvent(Side.Redis, EventKind.RedisResumed, $"SIGCONT {Pid}") { Actor = _options.Name });
    }

    /// <summary>Runs one command on a connection of its own and returns the reply (setup, checks). Not recorded.</summary>
    public async Task<object?> CommandAsync(params string[] command) =>
        await RedisProgram.CommandAsync(Endpoint, command, CancellationToken.None).ConfigureAwait(false);

    /// <summary>The clients CLIENT LIST names now, one observation each with its fields (id, name, flags, omem …). Not recorded.</summary>
    public async Task<IReadOnlyList<RedisObservation>> ClientsAsync() =>
        RedisLogParser.ClientList(Resp.Render(await CommandAsync("CLIENT", "LIST").ConfigureAwait(false)));

    /// <summary>
    /// Records an INFO section (clients, server, …) or CLIENT LIST as a snapshot event; <paramref name="fields"/>
    /// picks the lines (INFO) or the lines' fields (CLIENT LIST) worth showing. Returns the whole text.
    /// </summary>
    public async Task<string> SnapshotAsync(string what, params string[] fields)
    {
        var command = what.Equals("CLIENT LIST", StringComparison.OrdinalIgnoreCase) ? new[] { "CLIENT", "LIST" } : new[] { "INFO", what };
        var text = Resp.Render(await CommandAsync(command).ConfigureAwait(false));
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shown = fields.Length == 0
            ? lines.Where(l => !l.StartsWith('#'))
            : command[0] == "INFO"
                ? lines.Where(l => fields.Any(f => l.StartsWith(f + ":", StringComparison.Ordinal)))
                : lines.Select(l => string.Join(' ', fields.Select(f => $"{f}={RedisLogParser.Field(" " + l, f)}")));
        var observed = command[0] == "INFO"
            ? new RedisObservation { Snapshot = what, Fields = RedisLogParser.InfoFields(text) }
            : new RedisObservation { Snapshot = "CLIENT LIST", Clients = RedisLogParser.ClientList(text) };
        _lab.Timeline.Record(new LabEvent(Side.Redis, EventKind.RedisSnapshot, $"{what}: {string.Join("; ", shown)}") { Actor = _options.Name, Redis = observed });
        return text;
    }

    /// <summary>Reads what Redis has logged so far into the timeline now (the tail also does it every ~10 ms).</summary>
    public void Flush() => _process.Flush();

    public async ValueTask DisposeAsync()
    {
        // SHUTDOWN NOSAVE ends Redis at once; SIGTERM only sets a flag that its cron reads (every 100 ms at hz 10),
        // which would add up to 100 ms to every run. A paused or dead Redis does not answer: then SIGTERM (then kill).
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return; // owned twice after a restart
        using (var bound = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            try
            {
                await RedisProgram.CommandAsync(Endpoint, ["SHUTDOWN", "NOSAVE"], bound.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // Expected: Redis closes the connection as it exits (EOF); or it is paused (the bound) or gone (refused).
            }
        }
        await _process.StopAsync().ConfigureAwait(false);
    }

    /// <summary>redis-server's arguments: the lab's port, no persistence, its log at verbose, and the options' limits.</summary>
    private static PartProcessStart Start(LabSandbox lab, RedisOptions options, string dir, IPEndPoint endpoint)
    {
        var runtime = options.Runtime ?? lab.Settings.Runtime;
        List<string> args =
        [
            "--port", endpoint.Port.ToString(CultureInfo.InvariantCulture), "--bind", runtime.ListenAddress, "--daemonize", "no",
            "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", Path.Combine(dir, RedisProgram.LogFile), "--loglevel", "verbose",
            "--timeout", ((int)options.IdleTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "--tcp-keepalive", options.TcpKeepAliveSeconds.ToString(CultureInfo.InvariantCulture),
        ];
        // Listening beyond loopback (a published container port, reached through the engine's proxy from the bridge's
        // gateway) Redis's protected mode would refuse every client.
        if (runtime.ListenAddress != "127.0.0.1") args.AddRange(["--protected-mode", "no"]);
        void Limit(string cls, string? value)
        {
            if (value is not null) args.AddRange(["--client-output-buffer-limit", $"{cls} {value}"]);
        }
        Limit("normal", options.OutputBufferLimitNormal);
        Limit("pubsub", options.OutputBufferLimitPubsub);
        Limit("replica", options.OutputBufferLimitReplica);
        if (options.MaxMemory is { } mm) args.AddRange(["--maxmemory", mm]);
        if (options.MaxMemoryPolicy is { } policy) args.AddRange(["--maxmemory-policy", policy]);
        var launch = new ServerLaunch(RedisProgram.Descriptor, args, options.Name) { ExplicitPath = options.BinaryPath, Image = options.Image, Ports = [endpoint.Port] };
        return new PartProcessStart(runtime, launch, endpoint, Side.Redis, dir);
    }
}
