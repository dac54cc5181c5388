using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace SeRedis.Observer;

/// <summary>
/// One application's use of the library: a multiplexer, the commands the lab asks for (async, sync on a thread of
/// their own, or sync on a thread-pool thread), a subscriber; everything the library reports goes to <see cref="Wire"/>.
/// </summary>
internal sealed class Observer
{
#if SEREDIS1
    public const string Version = "1.2.6";
#elif SEREDIS2
    public const string Version = "2.8.16";
#else
    public const string Version = "3.4.35";
#endif

    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<int, CancellationTokenSource> _loops = new();
    private ConnectionMultiplexer? _mux;
    private int _commands;
    private long _received;

    public void Handle(JsonObject request)
    {
        var id = (int?)request["id"] ?? 0;
        switch ((string?)request["op"])
        {
            case "connect":
                Spawn(() => Connect(id, request));
                break;
            case "cmd":
                Start(id, request, count: 1, every: TimeSpan.Zero, workers: 1);
                break;
            case "loop":
                Start(id, request, (int?)request["count"] ?? 1, TimeSpan.FromMilliseconds((double?)request["everyMs"] ?? 0), (int?)request["workers"] ?? 1);
                break;
            case "stop":
                if (_loops.TryGetValue(id, out var loop)) loop.Cancel();
                break;
            case "subscribe":
                Spawn(() => Subscribe(id, (string)request["channel"]!, (int?)request["handlerMs"] ?? 0, (bool?)request["queue"] ?? false));
                break;
            case "touch":
                Spawn(() => Touch(id));
                break;
            case "count":
                Wire.Send(new JsonObject { ["e"] = "count", ["id"] = id, ["n"] = Interlocked.Read(ref _received), ["conn"] = _mux?.IsConnected });
                break;
            case "close":
                Spawn(() =>
                {
                    _mux?.Close(allowCommandsToComplete: false);
                    Done(id);
                });
                break;
            default:
                Wire.Send(new JsonObject { ["e"] = "fatal", ["m"] = $"unknown op {request["op"]}" });
                break;
        }
    }

    public void Stop()
    {
        _stopping.Cancel();
        try
        {
            _mux?.Close(allowCommandsToComplete: false);
        }
        catch (Exception)
        {
            // Ending anyway.
        }
    }

    private static void Spawn(Action work) => new Thread(() => work()) { IsBackground = true }.Start();

    private static void Done(int id, JsonObject? extra = null)
    {
        var message = extra ?? new JsonObject();
        message["e"] = "done";
        message["id"] = id;
        Wire.Send(message);
    }

    private void Connect(int id, JsonObject request)
    {
        var options = ConfigurationOptions.Parse((string)request["config"]!);
#if !SEREDIS1
        var logger = new LineLogger();
        options.LoggerFactory = logger;
        if ((bool?)request["heartbeatConsistencyChecks"] == true) options.HeartbeatConsistencyChecks = true;
        if ((bool?)request["failFast"] == true) options.BacklogPolicy = BacklogPolicy.FailFast;
#endif
        var log = new ConnectLog();
        var mux = ConnectionMultiplexer.ConnectAsync(options, log).GetAwaiter().GetResult();
        mux.ConnectionFailed += (_, e) => Wire.Send(new JsonObject
        {
            ["e"] = "failed", ["ct"] = e.ConnectionType.ToString(), ["ft"] = e.FailureType.ToString(), ["ex"] = Wire.Chain(e.Exception), ["conn"] = mux.IsConnected,
        });
        mux.ConnectionRestored += (_, e) => Wire.Send(new JsonObject { ["e"] = "restored", ["ct"] = e.ConnectionType.ToString(), ["ft"] = e.FailureType.ToString(), ["conn"] = mux.IsConnected });
        mux.ErrorMessage += (_, e) => Wire.Send(new JsonObject { ["e"] = "error", ["m"] = e.Message, ["conn"] = mux.IsConnected });
        mux.InternalError += (_, e) => Wire.Send(new JsonObject { ["e"] = "internal", ["m"] = e.Origin, ["ex"] = Wire.Chain(e.Exception), ["conn"] = mux.IsConnected });
        _mux = mux;
#if !SEREDIS1
        logger.Connected = true;
#endif
        // One round trip on each connection, so that "connected" means both.
        try
        {
            mux.GetDatabase().Ping();
            mux.GetSubscriber().Ping();
        }
        catch (Exception)
        {
            // Not reachable: the events say why.
        }
        Done(id, new JsonObject
        {
            ["conn"] = mux.IsConnected, ["keepAlive"] = options.KeepAlive, ["syncTimeout"] = options.SyncTimeout, ["heartbeat"] = log.HeartbeatSeen,
        });
    }

    /// <summary>
    /// One PING on each of the multiplexer's connections (interactive, then subscription), outside the command count:
    /// restarts both flows' idle clocks, and says whether the library can serve both kinds of command right now.
    /// </summary>
    private void Touch(int id)
    {
        string? failed = null;
        try
        {
            _mux!.GetDatabase().Ping();
            _mux.GetSubscriber().Ping();
        }
        catch (Exception e)
        {
            failed = $"{e.GetType().Name}: {e.Message}";
        }
        Done(id, new JsonObject { ["ok"] = failed is null, ["m"] = failed, ["conn"] = _mux?.IsConnected });
    }

    private void Start(int id, JsonObject request, int count, TimeSpan every, int workers)
    {
        var command = (string)request["cmd"]!;
        var args = (request["args"] as JsonArray)?.Select(a => (string)a!).ToArray() ?? [];
        var mode = (string?)request["mode"] ?? "async";
        var retries = (int?)request["retries"] ?? 0;
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        _loops[id] = cancel;
        var remaining = workers;
        for (var w = 0; w < workers; w++)
        {
            void Finish()
            {
                if (Interlocked.Decrement(ref remaining) == 0 && _loops.TryRemove(id, out _)) Done(id);
            }

            switch (mode)
            {
                case "sync":
                    // The application's own thread, blocked by each call.
                    Spawn(() =>
                    {
                        SyncLoop(id, command, args, count, every, cancel.Token);
                        Finish();
                    });
                    break;
                case "pool":
                    // Each tick hands one sync call to the thread pool (Task.Run), as a request handler would: while the
                    // library holds the call, it blocks a pool thread.
                    Spawn(() =>
                    {
                        var inFlight = new List<Task>();
                        for (var i = 0; i < count && !cancel.IsCancellationRequested; i++)
                        {
                            var clock = Stopwatch.StartNew();
                            inFlight.Add(Task.Run(() => Run(id, command, args, "pool")));
                            var rest = every - clock.Elapsed;
                            if (i + 1 < count && rest > TimeSpan.Zero) cancel.Token.WaitHandle.WaitOne(rest);
                        }
                        Task.WaitAll([.. inFlight]);
                        Finish();
                    });
                    break;
                default:
                    // An application that issues a command at each tick (a request, a timer), not after the previous
                    // one completed: while the library holds commands back, they pile up as they would in a service.
                    Task.Run(async () =>
                    {
                        var inFlight = new List<Task>();
                        for (var i = 0; i < count && !cancel.IsCancellationRequested; i++)
                        {
                            var clock = Stopwatch.StartNew();
                            inFlight.Add(RunAsync(id, command, args, "async", retries));
                            var rest = every - clock.Elapsed;
                            if (i + 1 < count && rest > TimeSpan.Zero)
                            {
                                try
                                {
                                    await Task.Delay(rest, cancel.Token).ConfigureAwait(false);
                                }
                                catch (OperationCanceledException)
                                {
                                    break;
                                }
                            }
                        }
                        await Task.WhenAll(inFlight).ConfigureAwait(false);
                        Finish();
                    });
                    break;
            }
        }
    }

    private void SyncLoop(int id, string command, string[] args, int count, TimeSpan every, CancellationToken cancel)
    {
        for (var i = 0; i < count && !cancel.IsCancellationRequested; i++)
        {
            var clock = Stopwatch.StartNew();
            Run(id, command, args);
            var rest = every - clock.Elapsed;
            if (i + 1 < count && rest > TimeSpan.Zero) cancel.WaitHandle.WaitOne(rest);
        }
    }

    private void Run(int id, string command, string[] args, string mode = "sync")
    {
        var call = new CommandCall(id, Interlocked.Increment(ref _commands), command, mode);
        try
        {
            var db = _mux!.GetDatabase();
            var value = command switch
            {
                "PING" => $"{db.Ping().TotalMilliseconds:0.0} ms",
                "INCR" => db.StringIncrement(args[0]).ToString(),
                "SET" => db.StringSet(args[0], args[1]).ToString(),
                "GET" => (string?)db.StringGet(args[0]),
                "PUBLISH" => db.Publish(Channel(args[0]), args[1]).ToString(),
                _ => throw new ArgumentException($"unknown command {command}"),
            };
            Report(call, value, null);
        }
        catch (Exception e)
        {
            Report(call, null, e);
        }
    }

    private async Task RunAsync(int id, string command, string[] args, string mode, int retries)
    {
        var call = new CommandCall(id, Interlocked.Increment(ref _commands), command, mode);
        var attempt = 0;
        // With retries: exponential backoff from 250 ms, doubling to 2 s (what a Polly pipeline would do).
        while (true)
        {
            attempt++;
            try
            {
                var value = await CallAsync(command, args).ConfigureAwait(false);
                Report(call, value, null, attempt);
                return;
            }
            catch (Exception e) when (attempt <= retries && e is RedisConnectionException or RedisTimeoutException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 250 << Math.Min(attempt - 1, 3)))).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Report(call, null, e, attempt);
                return;
            }
        }
    }

    private async Task<string?> CallAsync(string command, string[] args)
    {
        {
            var db = _mux!.GetDatabase();
            var value = command switch
            {
                "PING" => $"{(await db.PingAsync().ConfigureAwait(false)).TotalMilliseconds:0.0} ms",
                "INCR" => (await db.StringIncrementAsync(args[0]).ConfigureAwait(false)).ToString(),
                "SET" => (await db.StringSetAsync(args[0], args[1]).ConfigureAwait(false)).ToString(),
                "GET" => (string?)await db.StringGetAsync(args[0]).ConfigureAwait(false),
                "PUBLISH" => (await db.PublishAsync(Channel(args[0]), args[1]).ConfigureAwait(false)).ToString(),
                _ => throw new ArgumentException($"unknown command {command}"),
            };
            return value;
        }
    }

    private void Report(CommandCall call, string? value, Exception? exception, int attempts = 1) => Wire.Send(new JsonObject
    {
        ["e"] = "cmd", ["id"] = call.Id, ["n"] = call.N, ["cmd"] = call.Command, ["mode"] = call.Mode, ["ok"] = exception is null, ["ms"] = call.Clock.Elapsed.TotalMilliseconds, ["attempts"] = attempts,
        ["value"] = value, ["ex"] = Wire.Chain(exception), ["conn"] = _mux?.IsConnected,
    });

#if SEREDIS1
    private static RedisChannel Channel(string name) => name;
#else
    private static RedisChannel Channel(string name) => RedisChannel.Literal(name);
#endif

    private void Subscribe(int id, string channel, int handlerMs, bool queue)
    {
        var subscriber = _mux!.GetSubscriber();
        void Handle()
        {
            Interlocked.Increment(ref _received);
            if (handlerMs > 0) Thread.Sleep(handlerMs);
        }

#if SEREDIS1
        subscriber.Subscribe(Channel(channel), (_, _) => Handle());
#else
        if (queue)
        {
            // Messages in order through one queue, one handler at a time.
            subscriber.Subscribe(Channel(channel)).OnMessage(_ => Handle());
        }
        else
        {
            subscriber.Subscribe(Channel(channel), (_, _) => Handle());
        }
#endif
        Done(id, new JsonObject { ["queue"] = queue });
    }

    /// <summary>The library's connect log: only whether it said it starts its heartbeat.</summary>
    private sealed class ConnectLog : TextWriter
    {
        public bool HeartbeatSeen { get; private set; }

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
        }

        public override void WriteLine(string? value)
        {
            if (value?.Contains("heartbeat", StringComparison.OrdinalIgnoreCase) == true) HeartbeatSeen = true;
        }
    }
}
