using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// StackExchange.Redis 1.2.6 (the only version the package mirror serves) as an application uses it, with what the
/// library reports put on the timeline: ConnectionFailed (FailureType, connection type, exception), ConnectionRestored,
/// ErrorMessage, InternalError, and each command's success or exception. The library's view can lag the wire: compare
/// these events with the raw probe's and Redis's.
/// </summary>
public sealed class SeRedisClient : IAsyncDisposable
{
    private readonly Timeline _timeline;
    private readonly string _name;
    private int _commands;

    private SeRedisClient(ConnectionMultiplexer multiplexer, Timeline timeline, string name)
    {
        Multiplexer = multiplexer;
        _timeline = timeline;
        _name = name;
        multiplexer.ConnectionFailed += (_, e) => timeline.Record(
            Side.Client,
            EventKind.LibraryConnectionFailed,
            $"ConnectionFailed {e.ConnectionType} {e.FailureType}: {(e.Exception is null ? "" : SocketFailures.Describe(e.Exception))}",
            Failure(e.FailureType),
            actor: name);
        multiplexer.ConnectionRestored += (_, e) =>
            timeline.Record(Side.Client, EventKind.LibraryConnectionRestored, $"ConnectionRestored {e.ConnectionType}", actor: name);
        multiplexer.ErrorMessage += (_, e) =>
            timeline.Record(Side.Client, EventKind.LibraryError, $"ErrorMessage from {e.EndPoint}: {e.Message}", actor: name);
        multiplexer.InternalError += (_, e) =>
            timeline.Record(Side.Client, EventKind.LibraryError, $"InternalError ({e.Origin}): {e.Exception?.Message}", actor: name);
    }

    public ConnectionMultiplexer Multiplexer { get; }

    public IDatabase Database => Multiplexer.GetDatabase();

    /// <summary>
    /// Connects to <paramref name="endpoint"/>. <paramref name="extraConfiguration"/> is appended to the configuration
    /// string ("keepAlive=1,syncTimeout=1000"); abortConnect is off, so a later outage does not throw here.
    /// </summary>
    public static async Task<SeRedisClient> ConnectAsync(LabSandbox lab, IPEndPoint endpoint, string extraConfiguration = "", string name = "se-redis")
    {
        var configuration = $"{endpoint.Address}:{endpoint.Port},abortConnect=false" + (extraConfiguration.Length > 0 ? "," + extraConfiguration : "");
        // The connect log says when the library starts its heartbeat timer: it ticks every second from there, and
        // every reconnect after an outage happens on a tick. Record that moment, so a scenario can count ticks.
        var log = new HeartbeatLog(lab.Timeline, name);
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration, log).ConfigureAwait(false);
        var client = lab.Own(new SeRedisClient(multiplexer, lab.Timeline, name), name);
        // ConnectAsync returns once the interactive connection is up; the subscription one may still be connecting.
        // One round trip on each, so that "connected" means both (a fault injected right after is then a clean one).
        try
        {
            await multiplexer.GetDatabase().PingAsync().ConfigureAwait(false);
            await multiplexer.GetSubscriber().PingAsync().ConfigureAwait(false);
        }
        catch (RedisException)
        {
            // Not reachable: the events above have recorded why.
        }
        lab.Timeline.Record(Side.Client, EventKind.Connected, $"StackExchange.Redis 1.2.6 connected ({configuration}), IsConnected={multiplexer.IsConnected}", actor: name);
        return client;
    }

    /// <summary>Runs one command (or a few) and records its success or its exception; never throws for a Redis failure.</summary>
    public async Task<bool> RunAsync(string what, Func<IDatabase, Task> command)
    {
        var index = ++_commands;
        var clock = Stopwatch.StartNew();
        try
        {
            await command(Database).ConfigureAwait(false);
            _timeline.Record(Side.Client, EventKind.CommandSucceeded, $"{what} #{index} OK in {clock.Elapsed.TotalMilliseconds:0} ms", actor: _name, index: index);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidOperationException)
        {
            _timeline.Record(Side.Client, EventKind.CommandFailed, $"{what} #{index} failed after {clock.Elapsed.TotalMilliseconds:0} ms: {e.GetType().Name}: {e.Message}", Failure(e), actor: _name, index: index);
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Multiplexer.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        Multiplexer.Dispose();
    }

    /// <summary>StackExchange.Redis's heartbeat: a timer started while connecting, ticking every second.</summary>
    public static TimeSpan Heartbeat { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The library's connect log: only its "Starting heartbeat..." line is recorded (a Note, actor the client's name).</summary>
    private sealed class HeartbeatLog(Timeline timeline, string name) : TextWriter
    {
        public const string Started = "heartbeat timer started";

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            // Lines arrive through WriteLine(string); nothing else is needed.
        }

        public override void WriteLine(string? value)
        {
            if (value?.Contains("Starting heartbeat", StringComparison.Ordinal) == true)
            {
                timeline.Record(Side.Client, EventKind.Note, $"{Started}: StackExchange.Redis reconnects only on its ticks, every {Heartbeat.TotalSeconds:0} s from now", actor: name);
            }
        }
    }

    /// <summary>Whether <paramref name="e"/> is the note of the library's heartbeat start (see <see cref="ConnectAsync"/>).</summary>
    public static bool IsHeartbeatStart(LabEvent e) => e.Kind == EventKind.Note && e.Detail.StartsWith(HeartbeatLog.Started, StringComparison.Ordinal);

    private static SocketFailure? Failure(ConnectionFailureType type) => type switch
    {
        ConnectionFailureType.SocketClosed => SocketFailure.EndOfStream,
        ConnectionFailureType.SocketFailure => SocketFailure.ConnectionReset,
        ConnectionFailureType.UnableToConnect or ConnectionFailureType.UnableToResolvePhysicalConnection => SocketFailure.Refused,
        _ => null,
    };

    private static SocketFailure? Failure(Exception e) => e switch
    {
        RedisTimeoutException or TimeoutException => SocketFailure.TimedOut,
        RedisConnectionException c => Failure(c.FailureType) ?? SocketFailures.Classify(e).Failure,
        _ => SocketFailures.Classify(e).Failure,
    };
}
