namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>Which way bytes flow through the middlebox.</summary>
public enum Direction
{
    /// <summary>From the client to the target (requests, uploads).</summary>
    Upstream,

    /// <summary>From the target to the client (responses, downloads).</summary>
    Downstream,
}
