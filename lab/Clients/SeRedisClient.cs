using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text.Json.Nodes;
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
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _pending = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> _firstCommand = new();
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
            new JsonObject
            {
                ["op"] = "connect", ["config"] = configuration, ["heartbeatConsistencyChecks"] = options.HeartbeatConsistencyChecks, ["failFast"] = options.FailFast,
            },
            cancellationToken).ConfigureAwait(false);
        client.IsConnected = (bool?)done["conn"];
        var extras = string.Join(string.Empty, new[] { options.HeartbeatConsistencyChecks ? ", HeartbeatConsistencyChecks" : "", options.FailFast ? ", BacklogPolicy.FailFast" : "" });
        lab.Timeline.Record(new LabEvent(
            Side.Client,
            EventKind.Connected,
            $"StackExchange.Redis {version.Name()} connected ({configuration}{extras}; keepAlive {done["keepAlive"]} s, syncTimeout {done["syncTimeout"]} ms), IsConnected={client.IsConnected}, observer pid {client.Pid}")
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
        var first = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _firstCommand[id] = first;
        var done = Send(id, Request("cmd", command, args, mode));
        await done.WaitAsync(RequestBound, cancellationToken).ConfigureAwait(false);
        return first.Task.IsCompleted && (bool?)first.Task.Result["ok"] == true;
    }

    /// <summary>
    /// One PING on each of the library's connections (interactive, then subscription), not counted as a command and not
    /// recorded as one: restarts both flows' idle clocks, and answers whether the library serves both right now (after a
    /// ConnectionRestored, 1.2.6 can still refuse a command with "No connection is available"). Null when it answered;
    /// otherwise the library's exception (type and message).
    /// </summary>
    public async Task<string?> TouchAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(new JsonObject { ["op"] = "touch" }, cancellationToken).ConfigureAwait(false);
        return (bool?)reply["ok"] == true ? null : (string?)reply["m"] ?? "no answer";
    }

    /// <summary>
    /// Starts the <paramref name="loop"/>'s workers in the observer (see <see cref="SeRedisLoop"/>); returns a handle
    /// for <see cref="Stop"/> and a task that completes when the loops end.
    /// </summary>
    public (int Handle, Task Done) StartLoop(SeRedisLoop loop)
    {
        var id = Interlocked.Increment(ref _requests);
        var request = Request("loop", loop.Command, loop.Args, loop.Mode);
        request["retries"] = loop.Retries;
        request["everyMs"] = loop.Every.TotalMilliseconds;
        request["count"] = loop.Count;
        request["workers"] = loop.Workers;
        return (id, Send(id, request));
    }

    /// <summary>Stops a loop started by <see cref="StartLoop"/> (its commands in flight still report).</summary>
    public void Stop(int handle) => Write(new JsonObject { ["op"] = "stop", ["id"] = handle });

    /// <summary>
    /// Subscribes to <paramref name="channel"/> with a handler that sleeps <paramref name="handlerWork"/> per message:
    /// a handler per message (the library's default), or through one ChannelMessageQueue (2.x/3.x; ignored on 1.2.6).
    /// </summary>
    public Task SubscribeAsync(string channel, TimeSpan handlerWork, bool queue = false, CancellationToken cancellationToken = default)
    {
        var id = Interlocked.Increment(ref _requests);
        return Send(id, new JsonObject { ["op"] = "subscribe", ["id"] = id, ["channel"] = channel, ["handlerMs"] = (int)handlerWork.TotalMilliseconds, ["queue"] = queue })
            .WaitAsync(RequestBound, cancellationToken);
    }

    /// <summary>How many messages the subscriber's handler has received so far.</summary>
    public async Task<long> ReceivedAsync(CancellationToken cancellationToken = default)
    {
        var reply = await RequestAsync(new JsonObject { ["op"] = "count" }, cancellationToken).ConfigureAwait(false);
        return (long?)reply["n"] ?? 0;
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

    private static JsonObject Request(string op, string command, IReadOnlyList<string>? args, SeRedisCallMode mode) => new()
    {
        ["op"] = op,
        ["cmd"] = command,
        ["args"] = new JsonArray([.. (args ?? []).Select(a => (JsonNode?)JsonValue.Create(a))]),
        ["mode"] = mode switch { SeRedisCallMode.Sync => "sync", SeRedisCallMode.SyncOnPool => "pool", _ => "async" },
    };

    private async Task<JsonObject> RequestAsync(JsonObject request, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _requests);
        return await Send(id, request).WaitAsync(RequestBound, cancellationToken).ConfigureAwait(false);
    }

    private Task<JsonObject> Send(int id, JsonObject request)
    {
        var done = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = done;
        request["id"] = id;
        Write(request);
        return done.Task;
    }

    private void Write(JsonObject request)
    {
        var line = request.ToJsonString();
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
                if (JsonNode.Parse(line) is JsonObject message) Receive(message);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Text.Json.JsonException or InvalidOperationException)
        {
            // The observer is gone; whatever it said is on the timeline.
        }
        _ready.TrySetException(new InvalidOperationException($"the {Name} observer exited before it was ready"));
        foreach (var pending in _pending.Values) pending.TrySetException(new InvalidOperationException($"the {Name} observer exited"));
    }

    private void Receive(JsonObject m)
    {
        var kind = (string?)m["e"];
        // Once the lab closes the observer, what its closing multiplexer reports is not the scenario's.
        if (_disposed != 0 && kind is not ("done" or "count")) return;
        if (m["conn"] is JsonValue conn) IsConnected = (bool)conn;
        var chain = Chain(m["ex"] as JsonArray);
        var version = Version.Name();
        switch (kind)
        {
            case "ready":
                _ready.TrySetResult();
                return;
            case "done" or "count":
                if (_pending.TryRemove((int)m["id"]!, out var pending)) pending.TrySetResult(m);
                return;
            case "failed":
            {
                var (failure, errno) = SocketFailures.ClassifyLibrary((string?)m["ft"], chain);
                Record(
                    new LabEvent(Side.Client, EventKind.LibraryConnectionFailed, $"ConnectionFailed {m["ct"]} {m["ft"]}: {Describe(chain)}")
                    {
                        Failure = failure,
                        Errno = errno,
                        Library = Observation(chain) with { ConnectionType = (string?)m["ct"], FailureType = (string?)m["ft"] },
                    },
                    Describe(chain));
                return;
            }
            case "restored":
                Record(new LabEvent(Side.Client, EventKind.LibraryConnectionRestored, $"ConnectionRestored {m["ct"]}") { Library = Observation(chain) with { ConnectionType = (string?)m["ct"] } }, null);
                return;
            case "error" or "internal":
                Record(new LabEvent(Side.Client, EventKind.LibraryError, $"{(kind == "error" ? "ErrorMessage" : "InternalError")}: {m["m"]} {Describe(chain)}".TrimEnd()) { Library = Observation(chain) with { Message = (string?)m["m"] } }, $"{m["m"]} {Describe(chain)}".TrimEnd());
                return;
            case "log":
            {
                var text = ((string?)m["m"] ?? "").ReplaceLineEndings(" ");
                Record(new LabEvent(Side.Client, EventKind.LibraryLog, $"{m["level"]}: {text}") { Failure = SocketFailures.ClassifyLibraryLog(text), Library = Observation(chain) with { Message = text, LogLevel = (string?)m["level"] } }, text);
                return;
            }
            case "cmd":
            {
                var ok = (bool?)m["ok"] == true;
                var latency = TimeSpan.FromMilliseconds((double?)m["ms"] ?? 0);
                var what = $"{m["cmd"]} #{m["n"]} ({m["mode"]})";
                var (failure, errno) = ok ? (null, null) : SocketFailures.ClassifyLibrary(null, chain);
                Record(
                    new LabEvent(Side.Client, ok ? EventKind.CommandSucceeded : EventKind.CommandFailed, ok ? $"{what} OK in {latency.TotalMilliseconds:0} ms: {m["value"]}" : $"{what} failed after {latency.TotalMilliseconds:0} ms: {Describe(chain)}")
                    {
                        Failure = failure,
                        Errno = errno,
                        Index = (int?)m["n"],
                        Library = Observation(chain) with { Command = (string?)m["cmd"], Mode = (string?)m["mode"], Latency = latency, Attempts = (int?)m["attempts"] },
                    },
                    ok ? null : Describe(chain));
                if (_firstCommand.TryRemove((int)m["id"]!, out var first)) first.TrySetResult(m);
                return;
            }
            case "fatal":
                Record(new LabEvent(Side.Client, EventKind.LibraryError, $"observer: {m["m"]}") { Library = new LibraryObservation { Version = version, Message = (string?)m["m"] } }, null);
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

    /// <summary>Records what the library reported (<paramref name="draft"/>, on the client's side); <paramref name="verbatim"/> is its own words (messages, a log line), if any.</summary>
    private void Record(LabEvent draft, string? verbatim) =>
        _lab.Timeline.Record(draft with { Actor = Name, Verbatim = string.IsNullOrEmpty(verbatim) ? null : verbatim });

    private static List<LibraryException> Chain(JsonArray? links) =>
        links is null ? [] : [.. links.OfType<JsonObject>().Select(l => new LibraryException((string?)l["t"] ?? "?", (string?)l["m"] ?? "", (string?)l["ft"], (int?)l["errno"]))];

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
