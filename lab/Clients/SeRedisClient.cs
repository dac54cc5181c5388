using System.Diagnostics;
using System.Net;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// StackExchange.Redis as an application uses it, in one of three versions (<see cref="SeRedisVersion"/>), each in an
/// observer process of its own (one assembly name, three versions: see docs/architecture.md). Beside what every
/// <see cref="RedisClient"/> reports: ConnectionFailed (failure type, connection type, exception), ConnectionRestored,
/// ErrorMessage, InternalError, the multiplexer's IsConnected, and for 2.x/3.x its own ILogger lines.
/// </summary>
public sealed class SeRedisClient : RedisClient
{
    private SeRedisClient(LabSandbox lab, SeRedisVersion version, string name, Process process)
        : base(lab, RedisClientKinds.Of(version), name, process) => Version = version;

    /// <summary>The library version this client runs.</summary>
    public SeRedisVersion Version { get; }

    /// <summary>StackExchange.Redis 1.2.6's heartbeat: reconnects happen on its 1 s ticks.</summary>
    public static TimeSpan Heartbeat { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The actor name of a version's client: <paramref name="baseName"/>@version ("se-redis@2.8.16").</summary>
    public static string ActorName(SeRedisVersion version, string baseName = "se-redis") => $"{baseName}@{version.Name()}";

    /// <summary>
    /// One client per StackExchange.Redis version the lab's settings choose (<see cref="LabSettings.SeRedis"/>),
    /// connected side by side to <paramref name="endpoint"/> with the same <paramref name="options"/>; each named <see cref="ActorName"/>.
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
        var client = await StartAsync(lab, RedisClientKinds.Of(version), name, (l, p) => new SeRedisClient(l, version, name, p), cancellationToken).ConfigureAwait(false);
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
            Library = new LibraryObservation { Version = version.Name(), Client = client.Kind.Name, IsConnected = client.IsConnected },
        });
        return client;
    }
}
