using System.Collections.Concurrent;
using System.Diagnostics;
using BrokenPipe.Lab.Protocols;
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

    public void Handle(ObserverRequest request)
    {
        var id = request.Id;
        switch (request.Op)
        {
            case ObserverOp.Connect:
                Spawn(() => Connect(id, request));
                break;
            case ObserverOp.Command:
                Start(request with { Count = 1, EveryMs = 0, Workers = 1 });
                break;
            case ObserverOp.Loop:
                Start(request);
                break;
            case ObserverOp.Stop:
                if (_loops.TryGetValue(id, out var loop)) loop.Cancel();
                break;
            case ObserverOp.Subscribe:
                Spawn(() => Subscribe(id, request.Channel!, request.HandlerMs, request.Queue));
                break;
            case ObserverOp.Touch:
                Spawn(() => Touch(id));
                break;
            case ObserverOp.Count:
                Wire.Send(new ObserverMessage(ObserverEvent.Count) { Id = id, N = Interlocked.Read(ref _received), Connected = _mux?.IsConnected });
                break;
            case ObserverOp.Close:
                Spawn(() =>
                {
                    _mux?.Close(allowCommandsToComplete: false);
                    Done(id);
                });
                break;
            default:
                Wire.Send(new ObserverMessage(ObserverEvent.Fatal) { Message = $"unknown op {request.Op}" });
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

    private static void Done(int id, ObserverMessage? extra = null) => Wire.Send((extra ?? new ObserverMessage(ObserverEvent.Done)) with { Event = ObserverEvent.Done, Id = id });

    private void Connect(int id, ObserverRequest request)
    {
        var options = ConfigurationOptions.Parse(request.Config!);
#if !SEREDIS1
        var logger = new LineLogger();
        options.LoggerFactory = logger;
        if (request.HeartbeatConsistencyChecks) options.HeartbeatConsistencyChecks = true;
        if (request.FailFast) options.BacklogPolicy = BacklogPolicy.FailFast;
#endif
        var mux = ConnectionMultiplexer.ConnectAsync(options).GetAwaiter().GetResult();
        mux.ConnectionFailed += (_, e) => Wire.Send(new ObserverMessage(ObserverEvent.Failed)
        {
            ConnectionType = e.ConnectionType.ToString(), FailureType = e.FailureType.ToString(), Exceptions = Wire.Chain(e.Exception), Connected = mux.IsConnected,
        });
        mux.ConnectionRestored += (_, e) => Wire.Send(new ObserverMessage(ObserverEvent.Restored) { ConnectionType = e.ConnectionType.ToString(), FailureType = e.FailureType.ToString(), Connected = mux.IsConnected });
        mux.ErrorMessage += (_, e) => Wire.Send(new ObserverMessage(ObserverEvent.Error) { Message = e.Message, Connected = mux.IsConnected });
        mux.InternalError += (_, e) => Wire.Send(new ObserverMessage(ObserverEvent.Internal) { Message = e.Origin, Exceptions = Wire.Chain(e.Exception), Connected = mux.IsConnected });
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
        Done(id, new ObserverMessage(ObserverEvent.Done) { Connected = mux.IsConnected, KeepAliveSeconds = options.KeepAlive, TimeoutMs = options.SyncTimeout });
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
        Done(id, new ObserverMessage(ObserverEvent.Done) { Ok = failed is null, Message = failed, Connected = _mux?.IsConnected });
    }

    private void Start(ObserverRequest request)
    {
        var (id, count, workers, mode, retries) = (request.Id, request.Count, request.Workers, request.Mode, request.Retries);
        var every = TimeSpan.FromMilliseconds(request.EveryMs);
        var command = request.Command!;
        var args = request.Args?.ToArray() ?? [];
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
                case ObserverCallMode.Sync:
                    // The application's own thread, blocked by each call.
                    Spawn(() =>
                    {
                        SyncLoop(id, command, args, count, every, cancel.Token);
                        Finish();
                    });
                    break;
                case ObserverCallMode.Pool:
                    // Each tick hands one sync call to the thread pool (Task.Run), as a request handler would: while the
                    // library holds the call, it blocks a pool thread.
                    Spawn(() =>
                    {
                        var inFlight = new List<Task>();
                        for (var i = 0; i < count && !cancel.IsCancellationRequested; i++)
                        {
                            var clock = Stopwatch.StartNew();
                            inFlight.Add(Task.Run(() => Run(id, command, args, ObserverCallMode.Pool)));
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
                            inFlight.Add(RunAsync(id, command, args, retries));
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

    private void Run(int id, string command, string[] args, ObserverCallMode mode = ObserverCallMode.Sync)
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

    private async Task RunAsync(int id, string command, string[] args, int retries)
    {
        var call = new CommandCall(id, Interlocked.Increment(ref _commands), command, ObserverCallMode.Async);
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

    private void Report(CommandCall call, string? value, Exception? exception, int attempts = 1) => Wire.Send(new ObserverMessage(ObserverEvent.Command)
    {
        Id = call.Id, N = call.N, Command = call.Command, Mode = call.Mode, Ok = exception is null, Ms = call.Clock.Elapsed.TotalMilliseconds, Attempts = attempts,
        Value = value, Exceptions = Wire.Chain(exception), Connected = _mux?.IsConnected,
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
        Done(id);
    }
}
