namespace BrokenPipe.Lab.Parts.RawTcp;

/// <summary>The few bits of HTTP/1.1 head handling the raw parts need.</summary>
internal static class HttpHead
{
    public static long? ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase) &&
                long.TryParse(line[(colon + 1)..].Trim(), out var n))
            {
                return n;
            }
        }
        return null;
    }

    /// <summary>RFC 9112 §9.3: the client asks to close after this request (Connection: close, or HTTP/1.0 without keep-alive).</summary>
    public static bool AsksToClose(string requestLine, string head)
    {
        string? connection = null;
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals("Connection", StringComparison.OrdinalIgnoreCase)) connection = line[(colon + 1)..].Trim();
        }
        var tokens = (connection ?? "").Split(',', StringSplitOptions.TrimEntries);
        if (tokens.Any(t => t.Equals("close", StringComparison.OrdinalIgnoreCase))) return true;
        return requestLine.EndsWith("HTTP/1.0", StringComparison.Ordinal) && !tokens.Any(t => t.Equals("keep-alive", StringComparison.OrdinalIgnoreCase));
    }

    public static string Reason(int status) => status switch
    {
        200 => "OK",
        413 => "Payload Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    };
}
