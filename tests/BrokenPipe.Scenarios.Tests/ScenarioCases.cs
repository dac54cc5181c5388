namespace BrokenPipe.Scenarios.Tests;

/// <summary>Every scenario id × variant of the catalog, as xunit theory data.</summary>
public static class ScenarioCases
{
    /// <summary>How many shares <see cref="Fast(int)"/> deals the quick catalog into (one test class each, run side by side).</summary>
    public const int Parts = 6;

    /// <summary>The quick catalog, without the scenarios that need root or a Docker engine.</summary>
    public static TheoryData<string, Variant> Fast() => Cases(s => !s.Slow && !s.NeedsRoot && !s.NeedsDocker);

    /// <summary>The quick scenarios about containers themselves (they always run on the docker runtime).</summary>
    public static TheoryData<string, Variant> NeedingDocker() => Cases(s => !s.Slow && s.NeedsDocker);

    /// <summary>
    /// The quick scenarios whose parts include nginx or redis-server (the proxy and Redis areas, and the middlebox's Redis
    /// scenarios): the ones the docker runtime changes, run again on it.
    /// </summary>
    public static TheoryData<string, Variant> OnContainers()
    {
        var data = new TheoryData<string, Variant>();
        // A scenario that says it cannot run on the docker runtime (redis-oom-kill: its memory limit is a local cgroup) is not listed.
        var onDocker = LabSettings.Default with { Runtime = Lab.Runtimes.DockerRuntime.HostNetwork };
        foreach (var row in Cases(s => !s.Slow && !s.NeedsRoot && !s.NeedsDocker && (s.Area is "proxy" or "redis" || s.Id.StartsWith("redis-", StringComparison.Ordinal)) && s.UnavailableWith(onDocker) is null))
        {
            var (id, variant) = ((string)row[0], (Variant)row[1]);
            data.Add(id, variant);
        }
        return data;
    }

    /// <summary>Share <paramref name="part"/> (0 to <see cref="Parts"/> − 1) of <see cref="Fast()"/>, dealt by <see cref="Deal"/>.</summary>
    public static TheoryData<string, Variant> Fast(int part) => Deal(Fast(), Parts, part);

    /// <summary>How many shares <see cref="OnContainers(int)"/> deals the docker runtime's runs into.</summary>
    public const int ContainerParts = 4;

    /// <summary>Share <paramref name="part"/> (0 to <see cref="ContainerParts"/> − 1) of <see cref="OnContainers()"/>.</summary>
    public static TheoryData<string, Variant> OnContainers(int part) => Deal(OnContainers(), ContainerParts, part);

    /// <summary>How many shares <see cref="RedisLibrary(int)"/> deals the runs with every library version into.</summary>
    public const int LibraryParts = 3;

    /// <summary>Share <paramref name="part"/> (0 to <see cref="LibraryParts"/> − 1) of <see cref="RedisLibrary()"/>.</summary>
    public static TheoryData<string, Variant> RedisLibrary(int part) => Deal(RedisLibrary(), LibraryParts, part);

    /// <summary>
    /// Share <paramref name="part"/> of <paramref name="parts"/> of <paramref name="rows"/>: the runs are dealt longest
    /// declared wait first, each to the share with the least wait so far, so the shares (one test class each, side by
    /// side: xunit 2 runs the rows of one theory one after the other) take about equally long.
    /// </summary>
    public static TheoryData<string, Variant> Deal(TheoryData<string, Variant> rows, int parts, int part)
    {
        var load = new TimeSpan[parts];
        var data = new TheoryData<string, Variant>();
        var runs = rows.Select(row => (Scenario: Catalog.Find((string)row[0])!, Variant: (Variant)row[1]))
            .OrderByDescending(r => r.Scenario[r.Variant].InherentWait)
            .ThenBy(r => r.Scenario.Id, StringComparer.Ordinal)
            .ThenBy(r => r.Variant);
        foreach (var (scenario, variant) in runs)
        {
            var share = Array.IndexOf(load, load.Min());
            load[share] += scenario[variant].InherentWait;
            if (share == part) data.Add(scenario.Id, variant);
        }
        return data;
    }

    /// <summary>The quick scenarios that need root (a network namespace and firewall rules).</summary>
    public static TheoryData<string, Variant> NeedingRoot() => Cases(s => !s.Slow && s.NeedsRoot);

    /// <summary>The slow scenarios (a real 60 s proxy timeout), one variant at a time, for theories with a "Category=Slow" trait.</summary>
    public static TheoryData<string, Variant> SlowBroken() => Cases(s => s.Slow, Variant.Broken);

    public static TheoryData<string, Variant> SlowFixed() => Cases(s => s.Slow, Variant.Fixed);

    /// <summary>The quick scenarios whose application uses StackExchange.Redis, for the run with every library version side by side.</summary>
    public static TheoryData<string, Variant> RedisLibrary() => Cases(s => !s.Slow && !s.NeedsRoot && RedisLibraryIds.Contains(s.Id));

    /// <summary>The scenarios whose application uses StackExchange.Redis (nat-idle-drop too, which needs root).</summary>
    public static IReadOnlyList<string> RedisLibraryIds { get; } =
    [
        ScenarioIds.RedisPubsubSlowSubscriber, ScenarioIds.RedisIdleTimeout, ScenarioIds.RedisCrashRestart, ScenarioIds.RedisThreadpoolStarvation, ScenarioIds.RedisClientKill,
        ScenarioIds.RedisIdleDrop, ScenarioIds.RedisIdleReset, ScenarioIds.NatIdleDrop,
    ];

    private static TheoryData<string, Variant> Cases(Func<Scenario, bool> which, params Variant[] variants)
    {
        var data = new TheoryData<string, Variant>();
        foreach (var s in Catalog.All.Where(which))
        {
            foreach (var v in variants.Length > 0 ? variants : [Variant.Broken, Variant.Fixed]) data.Add(s.Id, v);
        }
        return data;
    }
}
