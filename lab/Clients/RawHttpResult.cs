namespace BrokenPipe.Lab.Clients;

/// <summary>What a raw HTTP client saw. Failures carry the classifier's kind and the errno.</summary>
public sealed record RawHttpResult
{
    public int? Status { get; init; }

    /// <summary>All response bytes read, head included.</summary>
    public long BytesReceived { get; init; }

    public long BodyBytes { get; init; }

    public long? ContentLength { get; init; }

    /// <summary>The body ended where its framing says it ends.</summary>
    public bool Complete { get; init; }

    /// <summary>The stream ended (or failed) before the body was complete.</summary>
    public bool Truncated { get; init; }

    /// <summary>The failure that ended reading, if any (EOF counts only when it truncated the body).</summary>
    public SocketFailure? Failure { get; init; }

    public int? Errno { get; init; }

    public long Uploaded { get; init; }

    public SocketFailure? UploadFailure { get; init; }

    public int? UploadErrno { get; init; }
}
