using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// The connections the lab opens for itself, not for the story: readiness probes (nginx's port accepts, redis-server's
/// PING) and one-shot set-up or snapshot commands (CONFIG SET, INFO, CLIENT LIST). They open and close on the wire like
/// any other, so a capture shows their FINs; the timeline never records them, and the oracle (Scenarios.WireOracle)
/// leaves them out. Keyed by both ends: a server's port is handed out once per run, so the pair names one connection.
/// </summary>
internal static class LabConnections
{
    private const int Capacity = 100_000;
    private static readonly ConcurrentDictionary<(string Client, string Server), byte> Own = new();

    /// <summary>Notes <paramref name="socket"/>, just connected, as one of the lab's own connections.</summary>
    public static void Register(Socket socket)
    {
        if (socket.LocalEndPoint is not IPEndPoint local || socket.RemoteEndPoint is not IPEndPoint remote) return;
        // A long-lived process (a soak) would grow the set without end: the oldest runs' pairs no longer matter.
        if (Own.Count >= Capacity) Own.Clear();
        Own.TryAdd((local.ToString(), remote.ToString()), 0);
    }

    /// <summary>True when the connection from <paramref name="client"/> to <paramref name="server"/> ("ip:port") was one of the lab's own.</summary>
    public static bool Contains(string client, string server) => Own.ContainsKey((client, server));
}
