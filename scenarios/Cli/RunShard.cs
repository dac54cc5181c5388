using System.Globalization;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// <c>--shard K/N</c>: the K-th of N disjoint parts of a run list. The list is the runs asked for (scenarios × variants, in
/// the catalog's order), taken before anything is skipped on this machine, so every shard sees the same list and each run
/// lands in exactly one shard: run i goes to shard (i mod N) + 1. Dealt round the catalog's order, a shard gets some of
/// each area, so N machines finish at about the same time.
/// </summary>
public sealed record RunShard(int Index, int Count)
{
    /// <summary>Parses <c>K/N</c> (1 ≤ K ≤ N ≤ 256).</summary>
    public static RunShard Parse(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0
            && int.TryParse(value[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            && int.TryParse(value[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n is >= 1 and <= 256 && k >= 1 && k <= n)
        {
            return new RunShard(k, n);
        }
        throw new CliException($"--shard needs K/N with 1 ≤ K ≤ N ≤ 256 (e.g. 1/2), not '{value}'");
    }

    /// <summary>This shard's runs of <paramref name="runs"/>, in their order.</summary>
    public IReadOnlyList<T> Take<T>(IReadOnlyList<T> runs) => [.. runs.Where((_, i) => i % Count == Index - 1)];

    public override string ToString() => $"{Index}/{Count}";
}
