using System.Net.Sockets;
using System.Text;

namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>
/// Where HAProxy's logs go: HAProxy writes only to syslog-like targets (a UDP or unix datagram address, stdout under
/// <c>-db</c>), never to a plain file, so the part binds a unix datagram socket (<c>log abns@NAME format raw</c>: one
/// message per datagram, no syslog header) and appends each message as one line to the part's log file, which the part's
/// life cycle tails like nginx's. The socket is abstract (no file, so nothing to leave behind, and no path-length limit:
/// HAProxy takes at most 97 bytes for <c>unix@</c>, shorter than the run dir); HAProxy pads an abstract name with zero
/// bytes to the whole address, and so must the part. Owned by the lab before HAProxy starts, so it outlives HAProxy's stop.
/// </summary>
internal sealed class HAProxyLogSocket : IAsyncDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly FileStream _file;
    private readonly Thread _reader;
    private int _stopped;

    private HAProxyLogSocket(string name, string logPath)
    {
        Name = name;
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        _file = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        // sun_path is 108 bytes: a leading zero byte, the name, zero bytes to the end (HAProxy's abns@ addressing).
        _socket.Bind(new UnixDomainSocketEndPoint("\0" + name.PadRight(107, '\0')));
        _reader = new Thread(Read) { IsBackground = true, Name = "haproxy-log" };
        _reader.Start();
    }

    /// <summary>The abstract socket's name, for HAProxy's <c>log abns@NAME</c>.</summary>
    public string Name { get; }

    /// <summary>HAProxy's log target for this socket.</summary>
    public string Target => $"abns@{Name}";

    /// <summary>Binds the abstract socket <paramref name="name"/> (unique on the host) and appends what arrives to <paramref name="logPath"/>.</summary>
    public static HAProxyLogSocket Start(string name, string logPath) => new(name, logPath);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        // Shutdown wakes the blocked receive; the reader ends, then the file is closed.
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        _socket.Close();
        await Task.Run(() => _reader.Join(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        await _file.DisposeAsync().ConfigureAwait(false);
    }

    private void Read()
    {
        var buffer = new byte[64 * 1024];
        while (Volatile.Read(ref _stopped) == 0)
        {
            int n;
            try
            {
                n = _socket.Receive(buffer);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            if (n == 0) continue;
            var line = Encoding.UTF8.GetString(buffer, 0, n).TrimEnd('\n') + "\n";
            var bytes = Encoding.UTF8.GetBytes(line);
            lock (_file)
            {
                _file.Write(bytes);
                _file.Flush();
            }
        }
    }
}
