namespace BrokenPipe.Bench;

/// <summary>Order statistics over a handful of timings, in milliseconds.</summary>
public static class Stats
{
    /// <summary>The middle value; for an even count, the mean of the two middle values.</summary>
    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = Sorted(values);
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The nearest-rank percentile: the smallest value with at least <paramref name="p"/> % of the values at or below it.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = Sorted(values);
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    private static double[] Sorted(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return sorted;
    }
}
