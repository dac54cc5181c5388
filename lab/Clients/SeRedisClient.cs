using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using BrokenPipe.Lab.Protocols;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// StackExchange.Redis as an application uses it, in one of three versions (<see cref="SeRedisVersion"/>), each in an
/// observer process of its own (one assembly name, three versions: see docs/architecture.md). What the library
/// reports goes on the timeline with its fields on <see cref="LabEvent.Library"/>: ConnectionFailed (failure type,
/// connection type, exception), ConnectionRestored, ErrorMessage, InternalError, each command's outcome and latency,
/// IsConnected, and for 2.x/3.x its own ILogger lines. Failures are classified by <see cref="SocketFailures.ClassifyLibrary"/>.
/// The observer ends when the lab does: it is killed by its PID, and it exits by itself when its stdin closes.
/// </summary>
public sealed class SeRedisClient : IAsyncDisposable
{
    /// <summary>How long a request to the observer (connect, subscribe, a command) may take before the lab gives up on it.</summary>
    private static readonly TimeSpan RequestBound = TimeSpan.FromSeconds(60);

    private readonly LabSandbox _lab;
    private readonly Process _process;
    private readonly Thread _reader;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<ObserverMessage>> _pending = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<ObserverMessage>> _firstCommand = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stdin = new();
    private int _requests;
    private int _disposed;

    private SeRedisClient(LabSandbox lab, SeRedisVersion version, string name, Process process)
    {
        _lab = lab;
        Version = version;
        Name = name;
        _process = process;
        Pid = process.Id;
        // A thread of its own reads the observer, so what it says is stamped when it says it.
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = $"observer {name}" };
        _reader.Start();
    }

    /// <summary>The library version this client runs.</summary>
    public SeRedisVersion Version { get; }

    /// <summary>The actor name on the timeline ("se-redis@3.4.35").</summary>
    public string Name { get; }

    /// <summary>The observer process's PID.</summary>
    public int Pid { get; }

    /// <summary>The multiplexer's IsConnected at its last report.</summary>
    public bool? IsConnected { get; private set; }

    /// <summary>StackExchange.Redis 1.2.6's heartbeat: reconnects happen on its 1 s ticks.</summary>
    public static TimeSpan Heartbeat { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The actor name of a version's client: <paramref name="baseName"/>@version ("se-redis@2.8.16").</summary>
    public static string ActorName(SeRedisVersion version, string baseName = "se-redis") => $"{baseName}@{version.Name()}";

    /// <summary>
    /// One client per version the lab's settings choose (<see cref="LabSettings.SeRedis"/>), connected side by side to
    /// <paramref name="endpoint"/> with the same <paramref name="options"/>; each named <see cref="ActorName"/>.
    /// </summary>
    public static async Task<IReadOnlyList<SeRedisClient>> ConnectEachAsync(LabSandbox lab, IPEndPoint endpoint, SeRedisOptions? options = null, string baseName = "se-redis", CancellationToken cancellationToken = default) =>
        await Task.WhenAll(lab.Settings.SeRedis.Select(v => ConnectAsync(lab, endpoint, v, options, ActorName(v, baseName), cancellationToken))).ConfigureAwait(false);

    /// <summary>
    /// Starts the observer for <paramref name="version"/> and connects it to <paramref name="endpoint"/> (abortConnect=false,
    /// so an outage later does not throw here). Records Connected when both of its connections answered a PING.
    /// </summary>
    public static async Task<SeRedisClient> ConnectAsync(LabSandbox lab, IPEndPoint endpoint, SeRedisVersion version, SeRedisOptions? options = null, string? name = null, CancellationToken cancellationToken = default)
    {
        options ??= new SeRedisOptions();
        name ??= ActorName(version);
        var directory = ObserverDirectory(version);
        var program = Path.Combine(directory, "SeRedis.Observer.dll");
        if (!File.Exists(program)) throw new FileNotFoundException($"the StackExchange.Redis {version.Name()} observer is not built at {program}: build BrokenPipe.Lab.sln first", program);
        var psi = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = lab.Directory,
        };
        psi.ArgumentList.Add("exec");
        psi.ArgumentList.Add(program);
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"the {name} observer did not start");
        lab.RememberProcess(process.Id, name);
        var client = lab.Own(new SeRedisClient(lab, version, name, process), name);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line) lab.Timeline.Note(Side.Client, $"observer stderr: {line}", name);
        };
        process.BeginErrorReadLine();
        await client._ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        var configuration = $"{endpoint.Address}:{endpoint.Port},abortConnect=false" + (options.Configuration.Length > 0 ? "," + options.Configuration : "");
        var done = await client.RequestAsync(
            new ObserverRequest(ObserverOp.Connect, 0) { Config = configuration, HeartbeatConsistencyChecks = options.HeartbeatConsistencyChecks, FailFast = options.FailFast },
            cancellationToken).ConfigureAwait(false);
        client.IsConnected = done.Connected;
        var extras = string.Join(string.Empty, new[] { options.HeartbeatConsistencyChecks ? ", HeartbeatConsistencyChecks" : "", options.FailFast ? ", BacklogPolicy.FailFast" : "" });
        lab.Timeline.Record(new LabEvent(
            Side.Client,
            EventKind.Connected,
            $"StackExchange.Redis {version.Name()} connected ({configuration}{extras}; keepAlive {done.KeepAliveSeconds} s, syncTimeout {done.TimeoutMs} ms), IsConnected={client.IsConnected}, observer pid {client.Pid}")
        {
            Actor = name,
            Library = new LibraryObservation { Version = version.Name(), IsConnected = client.IsConnected },
        });
        return client;
    }

    /// <summary>Runs one command ("SET", "a", "1"; PING, INCR, SET, GET, PUBLISH) and returns whether it succeeded; its outcome is on the timeline.</summary>
    public async Task<bool> RunAsync(string command, IReadOnlyList<string>? args = null, SeRedisCallMode mode = SeRedisCallMode.Async, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _requests);
        var first = new TaskCompletionSource<ObserverMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _firstCommand[id] = first;
        var done = Send(Request(ObserverOp.Command, id, command, args, mode));
        await done.WaitAsync(RequestBound, cancellationToken).ConfigureAwait(false);
        return first.Task.IsCompleted && first.Task.Result.Ok;
    }

    /// <summary>
    /// One PING on each of the library's connections (interactive, then subscription), not counted as a command and not
    /// recorded as one: restarts both flows' idle clocks, and answers whether the library serves both right now (after a
    /// ConnectionRestored, 1.2.6 can still refuse a command with "No connection is available"). Null when it answered;
    /// otherwise the library's exception (type and message).
    /// </summary>
    public async Task<string?> TouchAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(new ObserverRequest(ObserverOp.Touch, 0), cancellationToken).ConfigureAwait(false);
        return reply.Ok ? null : reply.Message ?? "no answer";
    }

    /// <summary>
    /// Starts the <paramref name="loop"/>'s workers in the observer (see <see cref="SeRedisLoop"/>); returns a handle
    /// for <see cref="Stop"/> and a task that completes when the loops end.
    /// </summary>
    public (int Handle, Task Done) StartLoop(SeRedisLoop loop)
    {
        var id = Interlocked.Increment(ref _requests);
        var request = Request(ObserverOp.Loop, id, loop.Command, loop.Args, loop.Mode) with
        {
            Retries = loop.Retries, EveryMs = loop.Every.TotalMilliseconds, Count = loop.Count, Workers = loop.Workers,
        };
        return (id, Send(request));
    }

    /// <summary>Stops a loop started by <see cref="StartLoop"/> (its commands in flight still report).</summary>
    public void Stop(int handle) => Write(new ObserverRequest(ObserverOp.Stop, handle));

    /// <summary>
    /// Subscribes to <paramref name="channel"/> with a handler that sleeps <paramref name="handlerWork"/> per message:
    /// a handler per message (the library's default), or through one ChannelMessageQueue (2.x/3.x; ignored on 1.2.6).
    /// </summary>
    public Task SubscribeAsync(string channel, TimeSpan handlerWork, bool queue = false, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _requests);
        return Send(new ObserverRequest(ObserverOp.Subscribe, id) { Channel = channel, HandlerMs = (int)handlerWork.TotalMilliseconds, Queue = queue })
            .WaitAsync(RequestBound, cancellationToken);
    }

    /// <summary>How many messages the subscriber's handler has received so far.</summary>
    public async Task<long> ReceivedAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(new ObserverRequest(ObserverOp.Count, 0), cancellationToken).ConfigureAwait(false);
        return reply.N;
    }

    /// <summary>
    /// Stops the observer process (SIGSTOP to its PID), as a long GC pause or a descheduled machine would: nothing in it
    /// runs, so nobody reads its sockets; the kernel's buffers and then Redis's fill. Recorded; <see cref="Resume"/> ends it.
    /// </summary>
    public void Pause()
    {
        if (!_process.HasExited) Syscalls.Kill(Pid, UnixSignal.Stop);
        _lab.Timeline.Note(Side.Client, $"SIGSTOP {Pid}: the whole process stalls (as in a long GC pause)", Name);
    }

    /// <summary>Lets the observer process run again after <see cref="Pause"/> (SIGCONT to its PID). Recorded.</summary>
    public void Resume()
    {
        if (!_process.HasExited) Syscalls.Kill(Pid, UnixSignal.Cont);
        _lab.Timeline.Note(Side.Client, $"SIGCONT {Pid}: the process runs again", Name);
    }

    /// <summary>Ends the observer: its stdin closes (it closes the multiplexer and exits), then its PID is killed if it is still there.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            lock (_stdin) _process.StandardInput.Close();
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }
        _lab.ForgetProcess(Pid);
        foreach (var pending in _pending.Values) pending.TrySetCanceled();
        _process.Dispose();
    }

    private static ObserverRequest Request(ObserverOp op, int id, string command, IReadOnlyList<string>? args, SeRedisCallMode mode) => new(op, id)
    {
        Command = command,
        Args = args ?? [],
        Mode = mode switch { SeRedisCallMode.Sync => ObserverCallMode.Sync, SeRedisCallMode.SyncOnPool => ObserverCallMode.Pool, _ => ObserverCallMode.Async },
    };

    /// <summary>Sends <paramref name="request"/> under a new id and waits (bounded) for its answer.</summary>
    private async Task<ObserverMessage> RequestAsync(ObserverRequest request, CancellationToken cancellationToken) =>
        await Send(request with { Id = Interlocked.Increment(ref _requests) }).WaitAsync(RequestBound, cancellationToken).ConfigureAwait(false);

    private Task<ObserverMessage> Send(ObserverRequest request)
    {
        var done = new TaskCompletionSource<ObserverMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.Id] = done;
        Write(request);
        return done.Task;
    }

    private void Write(ObserverRequest request)
    {
        var line = ObserverJson.Write(request);
        lock (_stdin)
        {
            if (_disposed != 0) return;
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }
    }

    private void ReadLoop()
    {
        try
        {
            string? line;
            while ((line = _process.StandardOutput.ReadLine()) is not null)
            {
                if (ObserverJson.Read<ObserverMessage>(line) is { } message) Receive(message);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Text.Json.JsonException or InvalidOperationException)
        {
            // The observer is gone; whatever it said is on the timeline.
        }
        _ready.TrySetException(new InvalidOperationException($"the {Name} observer exited before it was ready"));
        foreach (var pending in _pending.Values) pending.TrySetException(new InvalidOperationException($"the {Name} observer exited"));
    }

    private void Receive(ObserverMessage m)
    {
        // Once the lab closes the observer, what its closing multiplexer reports is not the scenario's.
        if (_disposed != 0 && m.Event is not (ObserverEvent.Done or ObserverEvent.Count)) return;
        if (m.Connected is { } connected) IsConnected = connected;
        var chain = Chain(m.Exceptions);
        var version = Version.Name();
        switch (m.Event)
        {
            case ObserverEvent.Ready:
                _ready.TrySetResult();
                return;
            case ObserverEvent.Done or ObserverEvent.Count:
                if (_pending.TryRemove(m.Id, out var pending)) pending.TrySetResult(m);
                return;
            case ObserverEvent.Failed:
            {
                var (failure, errno) = SocketFailures.ClassifyLibrary(m.FailureType, chain);
                Record(
                    new LabEvent(Side.Client, EventKind.LibraryConnectionFailed, $"ConnectionFailed {m.ConnectionType} {m.FailureType}: {Describe(chain)}")
                    {
                        Failure = failure,
                        Errno = errno,
                        Library = Observation(chain) with { ConnectionType = m.ConnectionType, FailureType = m.FailureType },
                    },
                    Describe(chain));
                return;
            }
            case ObserverEvent.Restored:
                Record(new LabEvent(Side.Client, EventKind.LibraryConnectionRestored, $"ConnectionRestored {m.ConnectionType}") { Library = Observation(chain) with { ConnectionType = m.ConnectionType } }, null);
                return;
            case ObserverEvent.Error or ObserverEvent.Internal:
            {
                var text = $"{m.Message} {Describe(chain)}".TrimEnd();
                Record(new LabEvent(Side.Client, EventKind.LibraryError, $"{(m.Event == ObserverEvent.Error ? "ErrorMessage" : "InternalError")}: {text}") { Library = Observation(chain) with { Message = m.Message } }, text);
                return;
            }
            case ObserverEvent.Log:
            {
                var text = (m.Message ?? "").ReplaceLineEndings(" ");
                Record(new LabEvent(Side.Client, EventKind.LibraryLog, $"{m.Level}: {text}") { Failure = SocketFailures.ClassifyLibraryLog(text), Library = Observation(chain) with { Message = text, LogLevel = m.Level } }, text);
                return;
            }
            case ObserverEvent.Command:
            {
                var latency = TimeSpan.FromMilliseconds(m.Ms);
                var what = $"{m.Command} #{m.N} ({ModeName(m.Mode)})";
                var (failure, errno) = m.Ok ? (null, null) : SocketFailures.ClassifyLibrary(null, chain);
                Record(
                    new LabEvent(Side.Client, m.Ok ? EventKind.CommandSucceeded : EventKind.CommandFailed, m.Ok ? $"{what} OK in {latency.TotalMilliseconds:0} ms: {m.Value}" : $"{what} failed after {latency.TotalMilliseconds:0} ms: {Describe(chain)}")
                    {
                        Failure = failure,
                        Errno = errno,
                        Index = (int)m.N,
                        Library = Observation(chain) with { Command = m.Command, Mode = ModeName(m.Mode), Latency = latency, Attempts = m.Attempts },
                    },
                    m.Ok ? null : Describe(chain));
                if (_firstCommand.TryRemove(m.Id, out var first)) first.TrySetResult(m);
                return;
            }
            case ObserverEvent.Fatal:
                Record(new LabEvent(Side.Client, EventKind.LibraryError, $"observer: {m.Message}") { Library = new LibraryObservation { Version = version, Message = m.Message } }, null);
                return;
        }

        LibraryObservation Observation(IReadOnlyList<LibraryException> c) => new()
        {
            Version = version,
            ExceptionType = c.Count > 0 ? c[0].Type : null,
            Message = c.Count > 0 ? c[0].Message : null,
            IsConnected = IsConnected,
        };
    }

    /// <summary>The call mode as the timeline has always named it ("async", "sync", "pool").</summary>
    private static string ModeName(ObserverCallMode mode) => mode.ToString().ToLowerInvariant();

    /// <summary>Records what the library reported (<paramref name="draft"/>, on the client's side); <paramref name="verbatim"/> is its own words (messages, a log line), if any.</summary>
    private void Record(LabEvent draft, string? verbatim) =>
        _lab.Timeline.Record(draft with { Actor = Name, Verbatim = string.IsNullOrEmpty(verbatim) ? null : verbatim });

    private static List<LibraryException> Chain(IReadOnlyList<ObserverException>? links) =>
        links is null ? [] : [.. links.Select(l => new LibraryException(l.Type, l.Message, l.FailureType, l.Errno))];

    private static string Describe(IReadOnlyList<LibraryException> chain) => string.Join(" → ", chain.Select(l => $"{l.Type}: {l.Message.ReplaceLineEndings(" ")}"));

    /// <summary>Where the observers were built: beside the lab's assembly (a package), else the build's own output.</summary>
    private static string ObserverDirectory(SeRedisVersion version)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "seredis", version.Name());
        if (Directory.Exists(beside)) return beside;
        var built = typeof(SeRedisClient).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "SeRedisObservers")?.Value;
        return Path.Combine(built ?? AppContext.BaseDirectory, version.Name());
    }

    /// <summary>The dotnet host that runs this process (or the one on PATH).</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location); // …/shared/Microsoft.NETCore.App/10.0.x
        var host = runtime is null ? null : Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", "dotnet"));
        return host is not null && File.Exists(host) ? host : "dotnet";
    }
}
