using System.Diagnostics;
using System.Globalization;

namespace BenchSoak;

/// <summary>The quick catalog (both variants) once one run after the other, then <c>repeat</c> times side by side: wall time and met count of each pass.</summary>
internal static class CatalogCompare
{
    public static async Task<int> RunAsync(int repeat, int parallel, bool sequential, CancellationToken cancellationToken)
    {
        List<(Scenario, Variant)> runs = [.. Catalog.Fast.Where(s => s.UnavailableHere is null).SelectMany(s => new[] { Variant.Broken, Variant.Fixed }.Select(v => (s, v)))];
        var missed = 0;
        var times = new List<double>();
        if (sequential) await PassAsync("sequential (--parallel 1)", 1);
        for (var i = 1; i <= repeat; i++) times.Add(await PassAsync($"parallel {i}/{repeat} (--parallel {parallel})", parallel));
        if (times.Count > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parallel passes: {times.Count}, wall min {times.Min():0.0} s, median {times.Order().ElementAt(times.Count / 2):0.0} s, max {times.Max():0.0} s; passes with a miss: {missed}"));
        }
        return missed == 0 ? 0 : 1;

        async Task<double> PassAsync(string name, int p)
        {
            var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            var clock = Stopwatch.StartNew();
            var results = await ScenarioBatch.RunAsync(runs, p, cancellationToken: cancellationToken);
            var wall = clock.Elapsed.TotalSeconds;
            var met = results.Count(r => r.Outcome == Outcome.Met);
            if (met < results.Count) missed++;
            var misses = string.Join("; ", results.Where(r => r.Outcome != Outcome.Met).Select(r => $"{r.Id}/{r.Variant.ToString().ToLowerInvariant()}: {r.Error ?? string.Join(", ", r.Checks.Where(c => !c.Met).Select(c => c.Description))}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {met}/{results.Count} met in {wall:0.0} s (load average at start {load}){(misses.Length > 0 ? $"; missed: {misses}" : "")}"));
            return wall;
        }
    }
}
