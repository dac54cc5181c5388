using System.Net.Sockets;

namespace BrokenPipe.Lab.Sockets;

/// <summary>The end of a small in-process server's accept loop, shared by the lab's helpers that accept and relay.</summary>
internal static class AcceptLoop
{
    /// <summary>
    /// Cancels <paramref name="stop"/>, closes <paramref name="listener"/> and every accepted socket in
    /// <paramref name="sockets"/> (locked on itself), then waits for <paramref name="accepting"/>, whose cancellation is expected.
    /// </summary>
    public static async Task StopAsync(CancellationTokenSource stop, Socket listener, List<Socket> sockets, Task accepting)
    {
        await stop.CancelAsync().ConfigureAwait(false);
        listener.Dispose();
        lock (sockets) foreach (var s in sockets) s.Dispose();
        try
        {
            await accepting.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
