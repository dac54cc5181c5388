using System.Collections.Concurrent;

namespace BrokenPipe.Lab.Parts.Kestrel;

/// <summary>
/// Which Kestrel connections the transport has seen end (a FIN, a reset, an RST sent on a write error). Needed because
/// <c>RequestAborted</c> alone is not a reliable signal: when the reset arrives during a write, Kestrel logs
/// "sending RST because: Broken pipe" and may never fire it.
/// </summary>
internal sealed class ConnectionWatch
{
    private readonly ConcurrentDictionary<string, bool> _gone = new();

    public void MarkGone(string connectionId) => _gone[connectionId] = true;

    public bool IsGone(string connectionId) => _gone.ContainsKey(connectionId);
}
