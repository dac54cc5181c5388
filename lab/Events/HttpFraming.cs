namespace BrokenPipe.Lab.Events;

/// <summary>How an HTTP/1.1 response body is delimited (<see cref="LabEvent.Framing"/> on response events).</summary>
public enum HttpFraming
{
    /// <summary>A Content-Length header: a body shorter than it is truncated.</summary>
    ContentLength,

    /// <summary>Transfer-Encoding: chunked: a body without its final zero-length chunk is truncated.</summary>
    Chunked,

    /// <summary>Neither: the body ends when the connection does, so truncation cannot be told.</summary>
    UntilClose,
}
