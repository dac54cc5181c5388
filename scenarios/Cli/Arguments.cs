namespace BrokenPipe.Scenarios.Cli;

/// <summary>Parses <c>run</c>'s arguments; anything it cannot use is a <see cref="CliException"/>.</summary>
public static class Arguments
{
    public static RunRequest ParseRun(IReadOnlyList<string> args, IReadOnlyList<Scenario> catalog)
    {
        var ids = new List<string>();
        var all = false;
        var includeSlow = false;
        string? variant = null;
        string? json = null;
        string? html = null;
        string? pcap = null;
        int? parallel = null;
        string? upstream = null;
        RunShard? shard = null;
        var everyProxy = false;
        var settings = EnvironmentSettings();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            switch (a)
            {
                case "--all":
                    all = true;
                    break;
                case "--include-slow":
                    includeSlow = true;
                    break;
                case "--variant":
                    variant = Value(args, ref i, a);
                    break;
                case "--json":
                    json = Value(args, ref i, a);
                    break;
                case "--html":
                    html = HtmlPath(Value(args, ref i, a));
                    break;
                case "--pcap":
                    pcap = Value(args, ref i, a);
                    break;
                case "--runtime":
                    settings = settings with { Runtime = ParseRuntime(Value(args, ref i, a)) };
                    break;
                case "--image":
                    settings = ParseImage(settings, Value(args, ref i, a));
                    break;
                case "--nginx-image" or "--redis-image":
                    // The flags of before --image, kept as aliases: --nginx-image TAG is --image nginx=TAG.
                    settings = settings.WithImage(a["--".Length..^"-image".Length], Value(args, ref i, a));
                    break;
                case "--parallel":
                    parallel = ParseParallel(Value(args, ref i, a));
                    break;
                case "--seredis":
                    settings = settings with { SeRedis = ParseSeRedis(Value(args, ref i, a)) };
                    break;
                case "--upstream":
                    upstream = ParseUpstream(Value(args, ref i, a), catalog);
                    break;
                case "--shard":
                    shard = RunShard.Parse(Value(args, ref i, a));
                    break;
                case "--redis-client":
                    settings = settings with { RedisClients = ParseRedisClients(Value(args, ref i, a)) };
                    break;
                case "--proxy":
                    (settings, everyProxy) = ParseProxy(settings, Value(args, ref i, a));
                    break;
                default:
                    if (a.StartsWith('-')) throw new CliException($"unknown option '{a}' for run (try --all, --variant broken|fixed|both, --json FILE, --html FILE, --pcap DIR, --include-slow, --parallel N, --runtime local|docker, --image PROGRAM=IMAGE, --proxy nginx|haproxy|all, --redis-client NAME[,NAME…]|all, --seredis VERSION|all, --upstream NAME|all, --shard K/N)");
                    ids.Add(a);
                    break;
            }
        }
        if (all && ids.Count > 0) throw new CliException("give scenario ids or --all, not both");
        if (!all && ids.Count == 0) throw new CliException("run needs a scenario id or --all (see 'list')");
        var scenarios = all
            ? catalog.Where(s => includeSlow || !s.Slow).ToList()
            : ids.Select(id => catalog.FirstOrDefault(s => s.Id == id) ?? throw new CliException($"unknown scenario '{id}' (see 'list')")).ToList();
        // A scenario named on the command line that cannot take the upstream asked for is an error, not a silent default.
        foreach (var s in all || upstream is null or "all" ? [] : scenarios.Where(s => !s.Upstreams.Contains(upstream)))
        {
            throw new CliException(s.Upstreams.Count == 0
                ? $"--upstream {upstream}: {s.Id} has no upstream to choose (it runs its own{(s.OwnUpstream is null ? "" : $": {s.OwnUpstream}")})"
                : $"--upstream {upstream}: {s.Id} takes {string.Join(", ", s.Upstreams)} or all");
        }
        return new RunRequest(scenarios, ParseVariant(variant), json, Narrate: true, SkipUnavailable: all) { HtmlPath = html, PcapDir = pcap, Settings = settings, Parallel = parallel, Upstream = upstream, Shard = shard, EveryProxy = everyProxy };

    }

    /// <summary>The bare catalog's options: <c>--html FILE</c>, <c>--pcap DIR</c>, <c>--redis-client NAME[,NAME…]|all</c>, <c>--seredis VERSION|all</c>, <c>--parallel N</c>, <c>--shard K/N</c>.</summary>
    public static RunRequest ParseCatalog(IReadOnlyList<string> args, IReadOnlyList<Scenario> catalog)
    {
        string? html = null;
        string? pcap = null;
        var settings = EnvironmentSettings();
        int? parallel = null;
        string? upstream = null;
        RunShard? shard = null;
        var everyProxy = false;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--proxy":
                    (settings, everyProxy) = ParseProxy(settings, Value(args, ref i, args[i]));
                    break;
                case "--html":
                    html = HtmlPath(Value(args, ref i, args[i]));
                    break;
                case "--pcap":
                    pcap = Value(args, ref i, args[i]);
                    break;
                case "--seredis":
                    settings = settings with { SeRedis = ParseSeRedis(Value(args, ref i, args[i])) };
                    break;
                case "--redis-client":
                    settings = settings with { RedisClients = ParseRedisClients(Value(args, ref i, args[i])) };
                    break;
                case "--parallel":
                    parallel = ParseParallel(Value(args, ref i, args[i]));
                    break;
                case "--upstream":
                    upstream = ParseUpstream(Value(args, ref i, args[i]), catalog);
                    break;
                case "--shard":
                    shard = RunShard.Parse(Value(args, ref i, args[i]));
                    break;
                default:
                    throw new CliException($"unknown option '{args[i]}' for the catalog (try --html FILE, --pcap DIR, --redis-client NAME[,NAME…]|all, --seredis VERSION|all, --upstream NAME|all, --proxy nginx|haproxy|all, --parallel N, --shard K/N, or a command: --help)");
            }
        }
        return new RunRequest([.. catalog.Where(s => !s.Slow)], [Variant.Broken, Variant.Fixed], null, Narrate: false, SkipUnavailable: true) { HtmlPath = html, PcapDir = pcap, Settings = settings, Parallel = parallel, Upstream = upstream, Shard = shard, EveryProxy = everyProxy };
    }

    /// <summary>Parses <c>--proxy</c>'s value: a proxy the proxy scenarios run on (<c>nginx</c>, <c>haproxy</c>), or <c>all</c> (one run per proxy).</summary>
    public static (LabSettings Settings, bool EveryProxy) ParseProxy(LabSettings settings, string value) =>
        value == "all" ? (settings, true)
        : LabSettings.KnownProxies.Contains(value) ? (settings with { Proxy = value }, false)
        : throw new CliException($"unknown proxy '{value}' in --proxy (use {string.Join(", ", LabSettings.KnownProxies)} or all)");

    /// <summary>The settings of the environment (<c>BROKENPIPE_LAB_RUNTIME</c>, <c>BROKENPIPE_LAB_PROGRAM_IMAGE</c>), which run options override.</summary>
    public static LabSettings EnvironmentSettings()
    {
        try
        {
            return LabSettings.Default;
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static Lab.Runtimes.IServerRuntime ParseRuntime(string name)
    {
        try
        {
            return LabSettings.ParseRuntime(name, "--runtime");
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message);
        }
    }

    /// <summary>Parses <c>--image</c>'s value, <c>PROGRAM=IMAGE</c>, for a program a part runs (<c>nginx</c>, <c>redis</c>).</summary>
    public static LabSettings ParseImage(LabSettings settings, string value)
    {
        var known = string.Join(", ", Lab.Parts.ServerPrograms.All.Select(p => p.Key));
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == value.Length - 1) throw new CliException($"--image needs PROGRAM=IMAGE (PROGRAM: {known}), not '{value}'");
        var program = value[..equals];
        if (Lab.Parts.ServerPrograms.Find(program) is null) throw new CliException($"unknown program '{program}' in --image (use {known})");
        return settings.WithImage(program, value[(equals + 1)..]);
    }

    /// <summary>Parses <c>--redis-client</c>'s value: client names (se-redis@1.2.6 … node-redis), comma-separated, or all.</summary>
    public static IReadOnlyList<RedisClientKind> ParseRedisClients(string value) =>
        RedisClientKinds.Parse(value) ?? throw new CliException($"unknown Redis client in '{value}' (use {RedisClientKinds.Names}, a comma-separated list of them, or all)");

    /// <summary>Parses <c>--seredis</c>'s value: 1.2.6, 2.8.16, 3.4.35, a comma-separated list of them, or all.</summary>
    public static IReadOnlyList<SeRedisVersion> ParseSeRedis(string value) =>
        SeRedisVersions.Parse(value) ?? throw new CliException($"unknown StackExchange.Redis version '{value}' (use {string.Join(", ", SeRedisVersions.All.Select(v => v.Name()))} or all)");

    /// <summary>Parses <c>--upstream</c>'s value: an upstream some scenario of the catalog takes (kestrel, raw, go, node, python, java), or all.</summary>
    public static string ParseUpstream(string value, IReadOnlyList<Scenario> catalog)
    {
        var known = catalog.SelectMany(s => s.Upstreams).Distinct().ToList();
        return value == "all" || known.Contains(value) ? value : throw new CliException($"unknown upstream '{value}' (use {string.Join(", ", known)} or all)");
    }

    public static IReadOnlyList<Variant> ParseVariant(string? value) => value switch
    {
        null or "both" => [Variant.Broken, Variant.Fixed],
        "broken" => [Variant.Broken],
        "fixed" => [Variant.Fixed],
        _ => throw new CliException($"unknown variant '{value}' (use broken, fixed or both)"),
    };

    /// <summary>The report is written after the runs: a directory that does not exist is an error now, not minutes later.</summary>
    internal static string HtmlPath(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir)) throw new CliException($"--html: no such directory: {dir}");
        return path;
    }

    /// <summary>How many runs side by side: a whole number from 1 to 64.</summary>
    public static int ParseParallel(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 64
            ? n
            : throw new CliException($"--parallel needs a whole number from 1 to 64, not '{value}'");

    internal static string Value(IReadOnlyList<string> args, ref int i, string option)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new CliException($"{option} needs a value");
        return args[++i];
    }
}
