namespace BrokenPipe.Lab.Clients;

/// <summary>What one HttpClient request ended with.</summary>
public sealed record LabHttpResult
{
    public int? Status { get; init; }

    public long BodyBytes { get; init; }

    public long? ContentLength { get; init; }

    public bool Complete { get; init; }

    public SocketFailure? Failure { get; init; }

    public int? Errno { get; init; }

    /// <summary>The exception chain on one line, when the request failed.</summary>
    public string? Error { get; init; }

    public TimeSpan Elapsed { get; init; }
}
