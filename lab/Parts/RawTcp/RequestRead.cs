namespace BrokenPipe.Lab.Parts.RawTcp;

/// <summary>How much of the request the raw server reads before it answers.</summary>
public enum RequestRead
{
    /// <summary>Nothing: it answers at once.</summary>
    None,

    /// <summary>The request head, up to the blank line; a body stays unread in the receive buffer.</summary>
    Headers,

    /// <summary>The head and the whole Content-Length body (the server drains the upload before it answers).</summary>
    Everything,
}
