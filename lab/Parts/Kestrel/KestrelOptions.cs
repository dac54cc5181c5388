namespace BrokenPipe.Lab.Parts.Kestrel;

/// <summary>The Kestrel limits a scenario may set; everything else is Kestrel's default.</summary>
public sealed record KestrelOptions
{
    /// <summary>Actor name on the timeline. The default value is "kestrel".</summary>
    public string Name { get; init; } = "kestrel";

    /// <summary>
    /// Kestrel's KeepAliveTimeout. It is checked on Kestrel's 1 s heartbeat from the last tick it saw, so the real close
    /// is not at the timeout: 2–3 s after a connection's first response for 1 s, within 1 s of it later. The default value is 130 seconds.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(130);

    /// <summary>
    /// Kestrel's MinResponseDataRate; null turns it off. The default value is Kestrel's: 240 bytes/s after a 5 s grace —
    /// whose deadline grows with every byte written, so it does not abort a stalled reader of a large response in any useful time.
    /// </summary>
    public DataRate? MinResponseDataRate { get; init; } = DataRate.KestrelDefault;

    /// <summary>Kestrel's MinRequestBodyDataRate; null turns it off. The default value is 240 bytes/s after a 5 s grace.</summary>
    public DataRate? MinRequestBodyDataRate { get; init; } = DataRate.KestrelDefault;

    /// <summary>Kestrel's MaxRequestBodySize; null means unlimited. The default value is 30,000,000 bytes.</summary>
    public long? MaxRequestBodySize { get; init; } = 30_000_000;

    /// <summary>Kestrel's MaxResponseBufferSize (its pipe in front of the socket). The default value is 65,536 bytes.</summary>
    public long? MaxResponseBufferSize { get; init; } = 64 * 1024;

    /// <summary>Checks the options once, when Kestrel starts (<see cref="OptionRules"/>).</summary>
    internal void Validate() => new OptionRules(nameof(KestrelOptions))
        .NotBlank(Name).Positive(KeepAliveTimeout)
        .Positive(MinResponseDataRate?.BytesPerSecond ?? 1).NotNegative(MinResponseDataRate?.Grace ?? TimeSpan.Zero)
        .Positive(MinRequestBodyDataRate?.BytesPerSecond ?? 1).NotNegative(MinRequestBodyDataRate?.Grace ?? TimeSpan.Zero)
        .AtLeast(MaxRequestBodySize ?? 0, 0).AtLeast(MaxResponseBufferSize ?? 0, 0)
        .ThrowIfAny();
}
