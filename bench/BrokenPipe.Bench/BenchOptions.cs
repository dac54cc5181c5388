using System.Globalization;

namespace BrokenPipe.Bench;

/// <summary>Thrown for unusable input: the message is the one line printed on stderr (exit code 2).</summary>
public sealed class BenchUsageException(string message) : Exception(message);

/// <summary>What to measure, parsed from the command line.</summary>
public sealed record BenchOptions(
    int Runs,
    IReadOnlyList<Scenario> Scenarios,
    IReadOnlyList<Variant> Variants,
    string? OutFile,
    bool Help)
{
    public const int DefaultRuns = 20;

    /// <summary>The most trials <c>--keepalive-race</c> takes (each one takes about 4 s).</summary>
    public const int MaxRaceTrials = 1000;

    /// <summary><c>--keepalive-race N</c>: run only the measured keep-alive race, with N timed trials (and N control requests).</summary>
    public int? KeepaliveRace { get; init; }

    /// <summary><c>--seredis VERSION|all</c>: the StackExchange.Redis version(s) the Redis scenarios run on (default 3.4.35).</summary>
    public LabSettings Settings { get; init; } = LabSettings.Default;

    public const string Usage = """
        BrokenPipe.Bench: times every scenario variant of the lab and Kestrel's and nginx's start-to-ready.

        usage: bash bench/run.sh [options]
          --runs N                    runs per scenario x variant (default: 20)
          --only ID,ID                only these scenarios (default: every non-slow scenario)
          --include-slow              also the slow scenarios (when --only is not given)
          --variant broken|fixed|both which variants (default: both)
          --out FILE                  also write the results as a markdown table to FILE
          --seredis V|all             the StackExchange.Redis version(s) of the Redis scenarios: 1.2.6, 2.8.16, 3.4.35
                                      (default), a comma-separated list, or all (side by side in each run)
          --keepalive-race N          only the measured upstream keep-alive race: N trials timed to Kestrel's
                                      heartbeat, then N naively spaced control requests (about 5 s per trial;
                                      not with --runs, --only, --include-slow or --variant)
          --help                      this text
        runs are sequential; each one is bounded by its scenario's timeout; Ctrl+C cancels.
        targets: every run met (N/N), median overhead <= 150 ms, Kestrel warm start median <= 150 ms,
        nginx start median <= 50 ms.
        exit code: 0 every target met (race: it ran), 1 a target missed (race: an error), 2 bad input, 130 canceled
        """;

    public static BenchOptions Parse(IReadOnlyList<string> args, IReadOnlyList<Scenario> catalog)
    {
        var runs = DefaultRuns;
        string? only = null;
        var includeSlow = false;
        string? variant = null;
        string? outFile = null;
        int? race = null;
        var settings = LabSettings.Default;
        var catalogOptions = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var a = args[i];
            switch (a)
            {
                case "--help" or "-h":
                    return new BenchOptions(runs, [], [], null, Help: true);
                case "--runs":
                    var text = Value(args, ref i, a);
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out runs) || runs < 1 || runs > 10_000)
                        throw new BenchUsageException($"--runs needs a whole number from 1 to 10000, not '{text}'");
                    catalogOptions.Add(a);
                    break;
                case "--only":
                    only = Value(args, ref i, a);
                    catalogOptions.Add(a);
                    break;
                case "--include-slow":
                    includeSlow = true;
                    catalogOptions.Add(a);
                    break;
                case "--variant":
                    variant = Value(args, ref i, a);
                    catalogOptions.Add(a);
                    break;
                case "--keepalive-race":
                    var trials = Value(args, ref i, a);
                    if (!int.TryParse(trials, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > MaxRaceTrials)
                        throw new BenchUsageException($"--keepalive-race needs a whole number of trials from 1 to {MaxRaceTrials}, not '{trials}'");
                    race = n;
                    break;
                case "--out":
                    outFile = Value(args, ref i, a);
                    break;
                case "--seredis":
                    var versions = Value(args, ref i, a);
                    settings = settings with { SeRedis = SeRedisVersions.Parse(versions) ?? throw new BenchUsageException($"unknown StackExchange.Redis version '{versions}' (use 1.2.6, 2.8.16, 3.4.35 or all)") };
                    catalogOptions.Add(a);
                    break;
                default:
                    throw new BenchUsageException($"unknown argument '{a}' (options: --runs N, --only ID,ID, --include-slow, --variant broken|fixed|both, --out FILE, --seredis V|all, --keepalive-race N, --help)");
            }
        }
        if (race is not null)
        {
            // The race mode runs no scenario: an option for the catalog would be silently ignored, so it is refused.
            if (catalogOptions.Count > 0)
                throw new BenchUsageException($"--keepalive-race runs only the keep-alive race: it does not combine with {string.Join(", ", catalogOptions.Distinct())}");
            return new BenchOptions(runs, [], [], outFile, Help: false) { KeepaliveRace = race };
        }
        return new BenchOptions(runs, Select(only, includeSlow, catalog), ParseVariant(variant), outFile, Help: false) { Settings = settings };
    }

    private static List<Scenario> Select(string? only, bool includeSlow, IReadOnlyList<Scenario> catalog)
    {
        // Scenarios named with --only are taken even when slow: naming one is asking for it.
        if (only is null) return catalog.Where(s => includeSlow || !s.Slow).ToList();
        var ids = only.Split(',', StringSplitOptions.TrimEntries);
        if (ids.Any(id => id.Length == 0)) throw new BenchUsageException($"--only has an empty scenario id in '{only}'");
        var picked = new List<Scenario>();
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            picked.Add(catalog.FirstOrDefault(s => s.Id == id)
                ?? throw new BenchUsageException($"unknown scenario '{id}' (known: {string.Join(", ", catalog.Select(s => s.Id))})"));
        }
        return picked;
    }

    private static IReadOnlyList<Variant> ParseVariant(string? value) => value switch
    {
        null or "both" => [Variant.Broken, Variant.Fixed],
        "broken" => [Variant.Broken],
        "fixed" => [Variant.Fixed],
        _ => throw new BenchUsageException($"unknown variant '{value}' (use broken, fixed or both)"),
    };

    private static string Value(IReadOnlyList<string> args, ref int i, string option)
    {
        if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal)) throw new BenchUsageException($"{option} needs a value");
        return args[++i];
    }
}
