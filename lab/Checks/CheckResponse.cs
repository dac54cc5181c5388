using BrokenPipe.Lab.Clients;

namespace BrokenPipe.Lab.Checks;

/// <summary>What a check's client saw.</summary>
internal sealed record CheckResponse
{
    public int? Status { get; init; }

    public long BodyBytes { get; init; }

    public long? ContentLength { get; init; }

    public bool Complete { get; init; }

    public bool Truncated { get; init; }

    public SocketFailure? Failure { get; init; }

    public long Uploaded { get; init; }

    /// <summary>The raw client counts every byte it uploads; HttpClient (TLS, HTTP/2) does not say how much it sent.</summary>
    public bool UploadObserved { get; init; } = true;

    public SocketFailure? UploadFailure { get; init; }

    public int? UploadErrno { get; init; }

    public static CheckResponse From(RawHttpResult r) => new()
    {
        Status = r.Status,
        BodyBytes = r.BodyBytes,
        ContentLength = r.ContentLength,
        Complete = r.Complete,
        Truncated = r.Truncated,
        Failure = r.Failure,
        Uploaded = r.Uploaded,
        UploadFailure = r.UploadFailure,
        UploadErrno = r.UploadErrno,
    };

    /// <summary>"HTTP 200, 1048576 body bytes of 1048576, complete", or "no response (…)".</summary>
    public string Describe() =>
        Status is null
            ? $"no response ({Failure?.ToString() ?? "nothing"})"
            : $"HTTP {Status}, {BodyBytes} body bytes{(ContentLength is { } cl ? $" of {cl}" : "")}{(Complete ? ", complete" : Truncated ? ", truncated" : ", incomplete")}";
}
