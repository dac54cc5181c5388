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

    /// <summary>How the body was delimited: "content-length", "chunked", "close-delimited", "http2"; null without a response.</summary>
    public string? Framing { get; init; }

    /// <summary>The body had neither a length nor chunks: the connection's close ended it (RFC 9112 §6.3), so "complete" is the upstream's to say.</summary>
    public bool CloseDelimited => Framing == "close-delimited";

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
        // The raw reader knows a length or chunks; a head with neither whose body did not end "truncated" was ended by the close.
        Framing = r.Status is null ? null : r.ContentLength is not null ? "content-length" : r.Complete || r.Truncated ? "chunked" : "close-delimited",
    };

    /// <summary>"HTTP 200, 1048576 body bytes of 1048576, complete", or "no response (…)".</summary>
    public string Describe() =>
        Status is null
            ? $"no response ({Failure?.ToString() ?? "nothing"})"
            : $"HTTP {Status}, {BodyBytes} body bytes{(ContentLength is { } cl ? $" of {cl}" : "")}{(Complete ? ", complete" : Truncated ? ", truncated" : CloseDelimited ? ", ended by the connection's close (no Content-Length, not chunked)" : ", incomplete")}";
}
