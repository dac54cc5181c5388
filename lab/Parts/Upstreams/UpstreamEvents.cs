using System.Text.Json;

namespace BrokenPipe.Lab.Parts.Upstreams;

/// <summary>
/// Reads one line of an upstream program's events file (one JSON object per line, the same in every language) into an
/// event of side <see cref="Side.Server"/>. What the runtime said — an error's text, an exception, a log line — stays
/// verbatim in <see cref="LabEvent.Verbatim"/>; its failure comes from the errno the runtime gave, else from the
/// operating system's words in it (<see cref="SocketFailures.ErrnoOfMessage"/>).
/// </summary>
internal static class UpstreamEvents
{
    public static LabEvent? Read(string line)
    {
        JsonElement e;
        try
        {
            using var document = JsonDocument.Parse(line);
            e = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null; // Not one of the program's lines (a half-written one is read whole on the next poll).
        }
        return Text(e, "event") switch
        {
            "request" => new LabEvent(Side.Server, EventKind.RequestReceived, $"{Text(e, "method")} {Text(e, "path")} from {Text(e, "peer")}"),
            "context-done" => new LabEvent(Side.Server, EventKind.RequestAborted, $"the request's context ended: {Text(e, "error")}") { Failure = SocketFailure.Canceled, Verbatim = Text(e, "error") },
            "client-gone" => new LabEvent(Side.Server, EventKind.RequestAborted, $"the runtime says the client has gone: {Text(e, "error")}") { Verbatim = Text(e, "error") },
            "abandoned" => new LabEvent(Side.Server, EventKind.HandlerFailed, $"the client had gone: the handler stops and writes nothing ({Text(e, "error")})") { Failure = SocketFailure.Canceled, Verbatim = Text(e, "error") },
            "written" => new LabEvent(Side.Server, EventKind.ResponseWrite, $"the handler wrote {Number(e, "written")} bytes without an error") { Bytes = Number(e, "written") },
            "write-failed" => Failed(e),
            "closed" => Text(e, "how") == "rst"
                ? new LabEvent(Side.Server, EventKind.ClosedRst, "closed with SO_LINGER 0: RST") { Closed = CloseHow.Rst }
                : Bool(e, "reply")
                    ? new LabEvent(Side.Server, EventKind.ClosedFin, $"closed the connection with {Text(e, "peer")} after the peer's FIN{Idle(e)}") { Closed = CloseHow.Fin, Reply = true, Duration = IdleFor(e) }
                    : new LabEvent(Side.Server, EventKind.ClosedFin, $"closed the connection with {Text(e, "peer")} first: FIN{Idle(e)}") { Closed = CloseHow.Fin, Duration = IdleFor(e) },
            "log" => new LabEvent(Side.Server, EventKind.Note, $"the runtime logged: {Text(e, "text")?.TrimEnd()}") { Verbatim = Text(e, "text")?.TrimEnd() },
            "done" => new LabEvent(Side.Server, EventKind.HandlerCompleted, "the handler returned"),
            _ => null,
        };
    }

    /// <summary>A write (or the response's end) that failed: the runtime's error text, the errno it carried, the bytes it says it wrote.</summary>
    private static LabEvent Failed(JsonElement e)
    {
        var error = Text(e, "error") ?? "";
        var errno = Number(e, "errno") is { } n and > 0 ? (int)n : SocketFailures.ErrnoOfMessage(error);
        var words = Text(e, "log") ?? error;
        // The detail is the runtime's own line, as a log line's is; the byte count the runtime gave is in Bytes.
        return new LabEvent(Side.Server, EventKind.WriteFailed, words)
        {
            Failure = errno is { } x ? SocketFailures.FromErrno(x) : null,
            Errno = errno,
            Bytes = Number(e, "written"),
            Verbatim = words,
            Exceptions = Text(e, "type") is { } type ? [type] : null,
        };
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>How long the connection had been idle since its last response when it closed, by the runtime's own clock (Node's), or null.</summary>
    private static TimeSpan? IdleFor(JsonElement e) => Number(e, "idleMs") is { } ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : null;

    private static string Idle(JsonElement e) => IdleFor(e) is { } idle ? $", idle {idle.TotalMilliseconds:0} ms since its last response" : "";

    private static bool Bool(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static long? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
}
