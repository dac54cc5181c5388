using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace BrokenPipe.Lab.Protocols;

/// <summary>
/// The few RESP (Redis protocol) pieces the lab needs without a library: encode a command, read one reply.
/// Pure framing over a stream: the Redis part's readiness check and snapshots, the raw probe, and scenarios that speak
/// RESP themselves use it. A protocol codec, so it belongs to no part.
/// </summary>
public static class Resp
{
    public static byte[] Encode(IReadOnlyList<string> command)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"*{command.Count}\r\n");
        foreach (var part in command)
        {
            sb.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n").Append(part).Append("\r\n");
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Reads one reply: a string, a long, null, an error (<see cref="RespError"/>) or an array of replies.</summary>
    public static async Task<object?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(stream, cancellationToken).ConfigureAwait(false);
        var body = line[1..];
        switch (line[0])
        {
            case '+':
                return body;
            case '-':
                return new RespError(body);
            case ':':
                return long.Parse(body, CultureInfo.InvariantCulture);
            case '$':
            {
                var length = int.Parse(body, CultureInfo.InvariantCulture);
                if (length < 0) return null;
                var bytes = new byte[length + 2];
                await stream.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                return Encoding.UTF8.GetString(bytes, 0, length);
            }
            case '*':
            {
                var count = int.Parse(body, CultureInfo.InvariantCulture);
                if (count < 0) return null;
                var items = new object?[count];
                for (var i = 0; i < count; i++) items[i] = await ReadAsync(stream, cancellationToken).ConfigureAwait(false);
                return items;
            }
            default:
                throw new InvalidDataException($"not a RESP reply: {line}");
        }
    }

    /// <summary>
    /// One command on a fresh connection (readiness checks, snapshots, setup): the reply, or an exception.
    /// <paramref name="connected"/> is told the socket once it is connected (the lab notes its own connections there).
    /// </summary>
    public static async Task<object?> CommandAsync(IPEndPoint endpoint, IReadOnlyList<string> command, CancellationToken cancellationToken, Action<Socket>? connected = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        connected?.Invoke(socket);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(Encode(command), cancellationToken).ConfigureAwait(false);
        // Buffered: the reply's lines are parsed a byte at a time (a CLIENT LIST, an INFO section, a page of HSCAN).
        await using var reader = new BufferedStream(stream, 16 * 1024);
        return await ReadAsync(reader, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A reply as one line of text: strings as they are, arrays joined, errors with their "-".</summary>
    public static string Render(object? reply) => reply switch
    {
        null => "(nil)",
        RespError e => $"-{e.Message}",
        object?[] items => $"[{string.Join(", ", items.Select(Render))}]",
        _ => Convert.ToString(reply, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>
    /// The start of <see cref="Render"/>'s text, at most about <paramref name="max"/> characters with "…" when cut,
    /// without rendering the rest (a page of HSCAN is ~100 KB of text that a timeline line would throw away).
    /// </summary>
    public static string Preview(object? reply, int max = 200)
    {
        var sb = new StringBuilder();
        Append(sb, reply, max);
        return sb.Length > max ? sb.ToString(0, max) + "…" : sb.ToString();
    }

    private static void Append(StringBuilder sb, object? reply, int max)
    {
        if (reply is not object?[] items)
        {
            var text = Render(reply);
            sb.Append(text, 0, Math.Min(text.Length, max + 1 - Math.Min(sb.Length, max)));
            return;
        }
        sb.Append('[');
        for (var i = 0; i < items.Length && sb.Length <= max; i++)
        {
            if (i > 0) sb.Append(", ");
            Append(sb, items[i], max);
        }
        sb.Append(']');
    }

    private static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancellationToken)
    {
        var sb = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            var n = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException("the connection ended in the middle of a reply");
            if (one[0] == '\n' && sb.Length > 0 && sb[^1] == '\r') return sb.ToString(0, sb.Length - 1);
            sb.Append((char)one[0]);
        }
    }
}
