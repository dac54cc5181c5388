using BrokenPipe.Lab.Capture;

namespace BrokenPipe.Bench;

/// <summary>
/// <c>oracle [--parallel N] [--pcap DIR]</c>: every quick catalog scenario × variant, side by side as the catalog runs,
/// each with a packet capture, judged by <see cref="WireOracle"/>: one line per run (agree, DISAGREE or cannot judge, and
/// why), then the count. Needs root (tcpdump). Exit codes: 0 no disagreement, 1 a disagreement, 2 bad input or not root.
/// </summary>
internal static class OracleBench
{
    public static async Task<int> RunAsync(string[] args, IEnumerable<Scenario> catalog, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var parallel = ScenarioBatch.DefaultParallelism;
        string? keep = null;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--parallel" when i + 1 < args.Length && int.TryParse(args[i + 1], out var n) && n >= 1:
                    parallel = n;
                    i++;
                    break;
                case "--pcap" when i + 1 < args.Length:
                    keep = args[++i];
                    break;
                default:
                    await stderr.WriteLineAsync($"error: oracle takes [--parallel N] [--pcap DIR], not '{args[i]}'");
                    return 2;
            }
        }
        if (PacketCapture.Unavailable is { } reason)
        {
            await stderr.WriteLineAsync($"error: {reason}");
            return 2;
        }
        var dir = keep ?? Directory.CreateTempSubdirectory("brokenpipe-oracle-").FullName;
        try
        {
            var runs = catalog.SelectMany(s => new[] { Variant.Broken, Variant.Fixed }.Select(v => (Scenario: s, Variant: v))).ToList();
            var settings = LabSettings.Default with { CaptureDirectory = dir };
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var results = await ScenarioBatch.RunAsync(
                runs,
                parallel,
                settings,
                (_, r) => stderr.WriteLine($"  done: {r.Id} {r.Variant.ToString().ToLowerInvariant()} ({r.Duration.TotalSeconds:0.0} s)"),
                cancellationToken);
            var verdicts = results.Select(WireOracle.Judge).ToList();
            foreach (var v in verdicts) await stdout.WriteLineAsync(v.Line);
            var agree = verdicts.Count(v => v.Outcome == OracleOutcome.Agree);
            var disagree = verdicts.Count(v => v.Outcome == OracleOutcome.Disagree);
            var unjudged = verdicts.Count - agree - disagree;
            await stdout.WriteLineAsync($"oracle: {agree}/{verdicts.Count} agree, {disagree} disagree, {unjudged} cannot be judged by a capture ({clock.Elapsed.TotalSeconds:0} s, --parallel {parallel})");
            return disagree == 0 ? 0 : 1;
        }
        finally
        {
            if (keep is null) Directory.Delete(dir, recursive: true);
        }
    }
}
