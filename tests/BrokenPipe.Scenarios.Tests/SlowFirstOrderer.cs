using Xunit.Abstractions;

[assembly: TestCollectionOrderer("BrokenPipe.Scenarios.Tests.SlowFirstOrderer", "BrokenPipe.Scenarios.Tests")]

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// Starts the test classes with a "Category=Slow" trait first. They sit out real 60–90 s proxy timeouts, mostly idle;
/// xunit 2 gives each running class one of its parallel slots until it ends, so a slow class started last would add its
/// whole minute to the run. Then the rest, by name (a stable order). xunit.runner.json allows 6 classes at a time:
/// the slow ones first, mostly idle, then the others. 16 made the quick run's timing checks miss now and then on 2 CPUs;
/// 12 and 10 still did once the packet oracle's and Kestrel's abort tests joined the suite (1–4 timing misses a round in
/// bench/flakes.sh and CI-like runs, 2026-12-07: StackExchange.Redis observers starved of CPU report late).
/// </summary>
public sealed class SlowFirstOrderer : ITestCollectionOrderer
{
    private static readonly HashSet<string> SlowClasses = [.. typeof(SlowFirstOrderer).Assembly.GetTypes()
        .Where(IsSlow)
        .Select(t => t.FullName!.Replace('+', '.'))];

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections
            .OrderByDescending(c => SlowClasses.Any(name => c.DisplayName.EndsWith(name, StringComparison.Ordinal)))
            .ThenBy(c => c.DisplayName, StringComparer.Ordinal);

    private static bool IsSlow(Type type) =>
        type.GetCustomAttributesData().Any(a => a.AttributeType == typeof(TraitAttribute) && a.ConstructorArguments is [{ Value: "Category" }, { Value: "Slow" }]);
}
