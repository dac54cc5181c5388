using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab;

/// <summary>
/// What a lab runs its parts on, chosen per run (in code, on the CLI, or from the environment for <c>dotnet test</c>)
/// and never by a scenario: the same scenario code runs under any settings. Parts read it from
/// <see cref="LabSandbox.Settings"/>.
/// </summary>
public sealed record LabSettings
{
    /// <summary>The environment variable that picks the runtime of labs nobody configured: <c>local</c> or <c>docker</c>.</summary>
    public const string RuntimeVariable = "BROKENPIPE_LAB_RUNTIME";

    /// <summary>The environment variable that sets <see cref="SeRedis"/> for labs nobody configured (<c>1.2.6</c>, <c>2.8.16</c>, <c>3.4.35</c>, a list, or <c>all</c>).</summary>
    public const string SeRedisVariable = "BROKENPIPE_LAB_SEREDIS";

    /// <summary>The environment variable that sets <see cref="RedisClients"/> for labs nobody configured (names as on the CLI, a list, or <c>all</c>); applied before <see cref="SeRedisVariable"/>.</summary>
    public const string RedisClientsVariable = "BROKENPIPE_LAB_REDIS_CLIENTS";

    /// <summary>
    /// The environment variable that sets a program's image in <see cref="Images"/> for labs nobody configured:
    /// <c>BROKENPIPE_LAB_NGINX_IMAGE</c> for <c>nginx</c>, <c>BROKENPIPE_LAB_REDIS_IMAGE</c> for <c>redis</c>.
    /// </summary>
    public static string ImageVariable(string program) => ServerProgram.ImageVariableOf(program);

    /// <summary>The environment variable that sets <see cref="Proxy"/> for labs nobody configured (<c>nginx</c> or <c>haproxy</c>).</summary>
    public const string ProxyVariable = "BROKENPIPE_LAB_PROXY";

    /// <summary>The reverse proxies the proxy scenarios can put in front of their upstreams, the default first.</summary>
    public static IReadOnlyList<string> KnownProxies { get; } = ["nginx", "haproxy"];

    private static readonly Lazy<LabSettings> FromEnvironmentOnce = new(FromEnvironment);

    /// <summary>
    /// The settings of a lab nobody configured: <see cref="FromEnvironment"/>, read once per process (so
    /// <c>BROKENPIPE_LAB_RUNTIME=docker dotnet test</c> runs every nginx and Redis part in containers).
    /// </summary>
    public static LabSettings Default => FromEnvironmentOnce.Value;

    /// <summary>
    /// Where nginx and redis-server run: <see cref="LocalRuntime.Instance"/> (local processes) or
    /// <see cref="DockerRuntime.HostNetwork"/> (containers). A part's own <c>Runtime</c> option overrides it. The
    /// default value is the local runtime.
    /// </summary>
    public IServerRuntime Runtime { get; init; } = LocalRuntime.Instance;

    /// <summary>
    /// The image of each program on a container runtime, by the program's short name (<c>Images["nginx"]</c>,
    /// <c>Images["redis"]</c>); a part's own <c>Image</c> option overrides it. A program not named here runs on its official
    /// image (<c>nginx:1.27</c>, <c>redis:7.4</c>). The default value is empty.
    /// </summary>
    public IReadOnlyDictionary<string, string> Images { get; init; } = new Dictionary<string, string>();

    /// <summary>These settings with <paramref name="image"/> for <paramref name="program"/> (its short name: <c>nginx</c>, <c>redis</c>).</summary>
    public LabSettings WithImage(string program, string image) =>
        this with { Images = new Dictionary<string, string>(Images) { [program] = image } };

    /// <summary>The image for <paramref name="program"/>: this run's, else the official one.</summary>
    internal string ImageFor(ServerProgram program) =>
        Images.GetValueOrDefault(program.Key)
        ?? program.OfficialImage
        ?? throw new ArgumentException($"{program.Name} does not run in a container", nameof(program));

    /// <summary>
    /// Settings from <see cref="RuntimeVariable"/>, <see cref="ProxyVariable"/>, <see cref="SeRedisVariable"/> and every <see cref="ImageVariable"/>
    /// (<c>BROKENPIPE_LAB_PROGRAM_IMAGE</c>); an unknown runtime name throws <see cref="ArgumentException"/>.
    /// </summary>
    public static LabSettings FromEnvironment()
    {
        var settings = new LabSettings
        {
            Runtime = Environment.GetEnvironmentVariable(RuntimeVariable) is { Length: > 0 } name ? ParseRuntime(name, RuntimeVariable) : LocalRuntime.Instance,
            Images = ImagesFromEnvironment(),
            Proxy = Environment.GetEnvironmentVariable(ProxyVariable) is { Length: > 0 } proxy
                ? KnownProxies.Contains(proxy) ? proxy : throw new ArgumentException($"unknown proxy '{proxy}' in {ProxyVariable} (use {string.Join(" or ", KnownProxies)})")
                : KnownProxies[0],
            RedisClients = Environment.GetEnvironmentVariable(RedisClientsVariable) is { Length: > 0 } clients
                ? RedisClientKinds.Parse(clients) ?? throw new ArgumentException($"unknown Redis client in '{clients}' in {RedisClientsVariable} (use {RedisClientKinds.Names} or all)")
                : RedisClientKinds.Default,
        };
        return Environment.GetEnvironmentVariable(SeRedisVariable) is { Length: > 0 } versions
            ? settings with { SeRedis = SeRedisVersions.Parse(versions) ?? throw new ArgumentException($"unknown StackExchange.Redis version '{versions}' in {SeRedisVariable} (use 1.2.6, 2.8.16, 3.4.35 or all)") }
            : settings;
    }

    /// <summary>Every non-empty <c>BROKENPIPE_LAB_PROGRAM_IMAGE</c> variable, by program (<c>nginx</c>, <c>redis</c>).</summary>
    private static Dictionary<string, string> ImagesFromEnvironment()
    {
        var images = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is not string name || variable.Value is not string { Length: > 0 } image) continue;
            if (name.Length <= ServerProgram.ImageVariablePrefix.Length + ServerProgram.ImageVariableSuffix.Length || !name.StartsWith(ServerProgram.ImageVariablePrefix, StringComparison.Ordinal) || !name.EndsWith(ServerProgram.ImageVariableSuffix, StringComparison.Ordinal)) continue;
            images[name[ServerProgram.ImageVariablePrefix.Length..^ServerProgram.ImageVariableSuffix.Length].ToLowerInvariant().Replace('_', '-')] = image;
        }
        return images;
    }

    /// <summary>The runtime named <c>local</c> or <c>docker</c>; anything else throws <see cref="ArgumentException"/> naming <paramref name="source"/>.</summary>
    public static IServerRuntime ParseRuntime(string name, string source = "runtime") => name switch
    {
        "local" => LocalRuntime.Instance,
        "docker" => DockerRuntime.HostNetwork,
        _ => throw new ArgumentException($"unknown runtime '{name}' in {source} (use local or docker)"),
    };

    /// <summary>
    /// Where to keep a packet capture of each run (<c>ID-VARIANT.pcap</c>, tcpdump, needs root), or null for none. The
    /// run's <see cref="Scenarios.ScenarioResult.Capture"/> then names the frames of each FIN and RST.
    /// </summary>
    public string? CaptureDirectory { get; init; }

    /// <summary>
    /// The reverse proxy a proxy scenario puts in front of its upstreams (<see cref="Scenarios.Scenario.Proxy"/>): one of
    /// <see cref="KnownProxies"/>; <c>--proxy nginx|haproxy|all</c> on the CLI (<c>all</c>: one run per proxy). A scenario
    /// that does not run on it ends in "error" saying so. The default value is "nginx".
    /// </summary>
    public string Proxy { get; init; } = KnownProxies[0];

    /// <summary>
    /// The Redis clients a Redis scenario's application runs on, side by side in one run, each in an observer process
    /// of its own (<see cref="RedisClientKinds.All"/>: se-redis@1.2.6, se-redis@2.8.16, se-redis@3.4.35, redis-py, ioredis,
    /// node-redis); <c>--redis-client NAME[,NAME…]|all</c> on the CLI. The default value is
    /// <see cref="RedisClientKinds.Default"/>: se-redis@3.4.35, redis-py, ioredis and node-redis.
    /// </summary>
    public IReadOnlyList<RedisClientKind> RedisClients { get; init; } = RedisClientKinds.Default;

    /// <summary>
    /// The StackExchange.Redis versions among <see cref="RedisClients"/>: the scenarios written for StackExchange.Redis
    /// alone run these. Setting it replaces those versions and keeps the other clients (<c>--seredis</c> on the CLI).
    /// </summary>
    public IReadOnlyList<SeRedisVersion> SeRedis
    {
        get => [.. RedisClients.Where(k => k.SeRedis is not null).Select(k => k.SeRedis!.Value)];
        init => RedisClients = [.. RedisClientKinds.All.Where(k => k.SeRedis is { } v ? value.Contains(v) : RedisClients.Contains(k))];
    }
}
