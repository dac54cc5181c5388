namespace BrokenPipe.Lab.Checks;

/// <summary>One request a check sends through nginx, whatever the listener speaks.</summary>
internal sealed record CheckRequest
{
    public string Name { get; init; } = "client";

    public string Method { get; init; } = "GET";

    public required string Path { get; init; }

    public long UploadBytes { get; init; }

    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Read the body at this many bytes per second; null reads as fast as it comes.</summary>
    public double? ReadBytesPerSecond { get; init; }

    /// <summary>Give up (close the connection, or reset the HTTP/2 stream) when this event is on the timeline; null waits for the end.</summary>
    public Func<LabEvent, bool>? AbortOn { get; init; }

    /// <summary>What <see cref="AbortOn"/> waits for, in words.</summary>
    public string AbortDescription { get; init; } = "";
}
