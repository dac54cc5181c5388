using System.Collections.Concurrent;

namespace BrokenPipe.Lab.Parts.Kestrel;

/// <summary>
/// Which Kestrel connections the transport has seen end (a FIN, a reset, an RST sent on a write error). Needed because
/// <c>RequestAborted</c> alone is not a reliable signal: when the reset arrives during a write, Kestrel logs
/// "sending RST because: Broken pipe" and may never fire it. And which connections Kestrel aborted on its own decision
/// (MinResponseDataRate, the application's <c>HttpContext.Abort()</c>, a server timeout): then <c>RequestAborted</c>
/// fires although the client has not gone.
/// </summary>
internal sealed class ConnectionWatch
{
    private readonly ConcurrentDictionary<string, bool> _gone = new();
    private readonly ConcurrentDictionary<string, string> _abortedByServer = new();

    public void MarkGone(string connectionId) => _gone[connectionId] = true;

    public bool IsGone(string connectionId) => _gone.ContainsKey(connectionId);

    /// <summary>Kestrel decided to end the connection; the first reason recorded is the one that counts.</summary>
    public void MarkAbortedByServer(string connectionId, string reason) => _abortedByServer.TryAdd(connectionId, reason);

    /// <summary>Why Kestrel itself aborted the connection, or null when it did not (or not yet).</summary>
    public string? ServerAbortReason(string connectionId) => _abortedByServer.GetValueOrDefault(connectionId);
}
