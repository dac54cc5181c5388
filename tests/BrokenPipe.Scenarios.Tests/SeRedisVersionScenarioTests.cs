using BrokenPipe.Lab.Reports;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// The Redis scenarios with StackExchange.Redis 1.2.6, 2.8.16 and 3.4.35 side by side: each version meets its own
/// expectation. The runs are dealt into <see cref="ScenarioCases.LibraryParts"/> classes that run side by side.
/// </summary>
public static class SeRedisVersionScenarioTests
{
    internal static async Task AssertEachVersionMetAsync(string id, Variant variant)
    {
        var scenario = Catalog.Find(id)!;
        var result = await ScenarioRunner.RunAsync(scenario, variant, settings: new LabSettings { SeRedis = SeRedisVersions.All });

        Assert.True(result.Outcome == Outcome.Met, TextReport.Narrate(scenario, result));
        Assert.Equal(SeRedisVersions.All, LibraryRun.On(result.Events).Select(r => r.Version));
    }

    /// <summary>The first share of the runs with every version.</summary>
    public sealed class Part1
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.RedisLibrary), 0, MemberType = typeof(ScenarioCases))]
        public Task RedisScenario_AllVersions_MeetsEachVersionsExpectation(string id, Variant variant) => AssertEachVersionMetAsync(id, variant);
    }

    /// <summary>The second share of the runs with every version.</summary>
    public sealed class Part2
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.RedisLibrary), 1, MemberType = typeof(ScenarioCases))]
        public Task RedisScenario_AllVersions_MeetsEachVersionsExpectation(string id, Variant variant) => AssertEachVersionMetAsync(id, variant);
    }

    /// <summary>The third share of the runs with every version.</summary>
    public sealed class Part3
    {
        [Theory]
        [MemberData(nameof(ScenarioCases.RedisLibrary), 2, MemberType = typeof(ScenarioCases))]
        public Task RedisScenario_AllVersions_MeetsEachVersionsExpectation(string id, Variant variant) => AssertEachVersionMetAsync(id, variant);
    }
}

/// <summary>The list of scenarios that use the library is complete.</summary>
public sealed class SeRedisVersionListTests
{
    [Fact]
    public void RedisLibraryIds_EveryScenarioThatConnectsTheLibrary_IsListed()
    {
        // A scenario file that uses SeRedisClient belongs in the version run.
        var root = Root();
        var users = Directory.GetFiles(Path.Combine(root, "scenarios"), "*.cs", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("SeRedisClient.Connect", StringComparison.Ordinal) || File.ReadAllText(f).Contains("IdlePause.ConnectAsync", StringComparison.Ordinal))
            .Select(Path.GetFileNameWithoutExtension)
            .Where(n => n != "IdlePause")
            .ToList();

        Assert.Equal(users.Count, ScenarioCases.RedisLibraryIds.Count);
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BrokenPipe.Lab.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"BrokenPipe.Lab.sln not found above {AppContext.BaseDirectory}");
    }
}
