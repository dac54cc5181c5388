namespace BrokenPipe.Lab;

/// <summary>Names and parsing of <see cref="SeRedisVersion"/> ("1.2.6", "2.8.16", "3.4.35", "all").</summary>
public static class SeRedisVersions
{
    /// <summary>Every version, oldest first.</summary>
    public static IReadOnlyList<SeRedisVersion> All { get; } = [SeRedisVersion.V1_2_6, SeRedisVersion.V2_8_16, SeRedisVersion.V3_4_35];

    /// <summary>The default: the current 3.x.</summary>
    public static IReadOnlyList<SeRedisVersion> Default { get; } = [SeRedisVersion.V3_4_35];

    /// <summary>The NuGet version string ("3.4.35").</summary>
    public static string Name(this SeRedisVersion version) => version switch
    {
        SeRedisVersion.V1_2_6 => "1.2.6",
        SeRedisVersion.V2_8_16 => "2.8.16",
        SeRedisVersion.V3_4_35 => "3.4.35",
        _ => throw new ArgumentOutOfRangeException(nameof(version)),
    };

    /// <summary>2.x and later: backlog, ILogger, HeartbeatConsistencyChecks, BacklogPolicy.</summary>
    public static bool HasBacklog(this SeRedisVersion version) => version != SeRedisVersion.V1_2_6;

    /// <summary>Parses "1.2.6", "2.8.16", "3.4.35" or "all" (also a comma-separated list); null when a name is unknown.</summary>
    public static IReadOnlyList<SeRedisVersion>? Parse(string text)
    {
        if (string.Equals(text.Trim(), "all", StringComparison.OrdinalIgnoreCase)) return All;
        var versions = new List<SeRedisVersion>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var match = All.Where(v => v.Name() == part).Select(v => (SeRedisVersion?)v).FirstOrDefault();
            if (match is not { } v) return null;
            if (!versions.Contains(v)) versions.Add(v);
        }
        return versions.Count == 0 ? null : versions.Order().ToList();
    }
}
