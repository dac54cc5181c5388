using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Sockets;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// For a config whose upstream is a unix socket (<c>{{upstream_unix}}</c>): listens on a unix socket in the run dir and
/// joins each connection to the lab's TCP upstream, byte for byte. A FIN from either side is passed on as a FIN
/// (shutdown of the other side's write), and a reset closes both: nginx sees the upstream's closes as it would on the
/// socket itself. What the upstream records (requests, closes) is unchanged.
/// </summary>
internal sealed class UnixSocketBridge : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;

    private UnixSocketBridge(string path, IPEndPoint upstream)
    {
        Path = path;
        _upstream = upstream;
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(64);
        _accepting = AcceptAsync();
    }

    /// <summary>The unix socket's path.</summary>
    public string Path { get; }

    /// <summary>Starts a bridge at <paramref name="path"/> to <paramref name="upstream"/>, owned by <paramref name="lab"/>.</summary>
    public static UnixSocketBridge Start(LabSandbox lab, string path, IPEndPoint upstream) => lab.Own(new UnixSocketBridge(path, upstream), "unix-bridge");

    /// <summary>Stops accepting and closes every bridged connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await AcceptLoop.StopAsync(_stop, _listener, _sockets, _accepting).ConfigureAwait(false);
        File.Delete(Path);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var front = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            var back = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            lock (_sockets)
            {
                _sockets.Add(front);
                _sockets.Add(back);
            }
            _ = JoinAsync(front, back);
        }
    }

    private async Task JoinAsync(Socket front, Socket back)
    {
        try
        {
            await back.ConnectAsync(_upstream, _stop.Token).ConfigureAwait(false);
            await Task.WhenAll(PumpAsync(front, back), PumpAsync(back, front)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            front.Dispose();
            back.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false)) > 0) await to.SendAsync(buffer.AsMemory(0, n), _stop.Token).ConfigureAwait(false);
            to.Shutdown(SocketShutdown.Send); // a FIN stays a FIN
        }
        catch (SocketException)
        {
            // A reset on one side: close both, so the other side sees its connection end too.
            from.Close(0);
            to.Close(0);
        }
    }
}
