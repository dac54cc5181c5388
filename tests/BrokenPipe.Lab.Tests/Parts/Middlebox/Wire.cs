using System.Net;
using System.Net.Sockets;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

/// <summary>
/// Plain sockets on 127.0.0.1 for the middlebox tests: a listener that plays the target, a client, and bounded reads
/// that report how the stream ended (EOF, an OS error, or silence) instead of a message.
/// </summary>
internal static class Wire
{
    /// <summary>
    /// How long a read must stay silent for "nothing arrives" to hold. Silence is the behaviour under test, not a
    /// synchronisation: on loopback a FIN, an RST or a byte arrives within microseconds, so a second is ample.
    /// </summary>
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(1);

    /// <summary>Timer slack: a .NET timer may fire up to a millisecond or so before the Stopwatch says it is due.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(20);

    /// <summary>A listening socket on 127.0.0.1 and a kernel-chosen port: the middlebox's target.</summary>
    public static Socket Listen()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        return listener;
    }

    public static IPEndPoint EndpointOf(Socket listener) => (IPEndPoint)listener.LocalEndPoint!;

    public static async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var bound = new CancellationTokenSource(Bound.Wait);
        try
        {
            await socket.ConnectAsync(endpoint, bound.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    public static async Task<Socket> AcceptAsync(Socket listener)
    {
        using var bound = new CancellationTokenSource(Bound.Wait);
        var socket = await listener.AcceptAsync(bound.Token);
        socket.NoDelay = true;
        return socket;
    }

    /// <summary>Sends all of <paramref name="data"/>; an OS error surfaces as a <see cref="SocketException"/>.</summary>
    public static async Task SendAsync(Socket socket, ReadOnlyMemory<byte> data)
    {
        using var bound = new CancellationTokenSource(Bound.Wait);
        while (!data.IsEmpty)
        {
            var n = await socket.SendAsync(data, SocketFlags.None, bound.Token);
            data = data[n..];
        }
    }

    /// <summary>One round trip that must pass: <paramref name="request"/> reaches <paramref name="target"/>, <paramref name="reply"/> reaches <paramref name="client"/>.</summary>
    public static async Task ExchangeAsync(Socket client, Socket target, byte[] request, byte[] reply)
    {
        await SendAsync(client, request);
        Assert.Equal(request, await ReadExactlyAsync(target, request.Length));
        await SendAsync(target, reply);
        Assert.Equal(reply, await ReadExactlyAsync(client, reply.Length));
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes (bounded by <see cref="Bound.Wait"/>); EOF or an error before that fails the test.</summary>
    public static async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var buffer = new byte[count];
        var read = 0;
        using var bound = new CancellationTokenSource(Bound.Wait);
        try
        {
            while (read < count)
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, bound.Token);
                Assert.True(n > 0, $"EOF after {read} of {count} bytes");
                read += n;
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            Assert.Fail($"only {read} of {count} bytes arrived within {Bound.Wait.TotalSeconds:0} s");
        }
        return buffer;
    }

    /// <summary>
    /// Reads until EOF, an OS error, or <paramref name="bound"/> with nothing more arriving (silence), and says which,
    /// with every byte read before it.
    /// </summary>
    public static async Task<ReadEnd> ReadToEndAsync(Socket socket, TimeSpan bound)
    {
        var received = new List<byte>();
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(bound);
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException e)
            {
                return new ReadEnd([.. received], ReadEndKind.Error, e.SocketErrorCode);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return new ReadEnd([.. received], ReadEndKind.Silence);
            }
            if (n == 0) return new ReadEnd([.. received], ReadEndKind.Eof);
            received.AddRange(buffer.AsSpan(0, n));
        }
    }

    /// <summary>
    /// Connects and reads to the end, for a connection the far side may reset at once. The kernel completes the
    /// handshake, but an RST that follows at once can land before connect() reports: then connect() itself fails with
    /// ECONNRESET (getsockopt SO_ERROR, as a blocking connect() would), and that is the end of the stream too.
    /// </summary>
    public static async Task<ReadEnd> ConnectAndReadToEndAsync(IPEndPoint endpoint, TimeSpan bound)
    {
        Socket socket;
        try
        {
            socket = await ConnectAsync(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.ConnectionRefused)
        {
            return new ReadEnd([], ReadEndKind.Error, e.SocketErrorCode);
        }
        using (socket) return await ReadToEndAsync(socket, bound);
    }

    /// <summary>Bytes 0, 1, 2, … (mod 251) so that a reordering or a loss shows in a comparison.</summary>
    public static byte[] Pattern(int count)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++) bytes[i] = (byte)(i % 251);
        return bytes;
    }
}
