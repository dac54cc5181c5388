namespace BrokenPipe.Lab.Parts.Kestrel;

/// <summary>A minimum data rate for Kestrel: bytes per second, enforced after a grace period.</summary>
public sealed record DataRate(double BytesPerSecond, TimeSpan Grace)
{
    /// <summary>Kestrel's default for both directions: 240 bytes/s after 5 s.</summary>
    public static DataRate KestrelDefault { get; } = new(240, TimeSpan.FromSeconds(5));
}
