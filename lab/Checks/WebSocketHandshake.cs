using System.Net.Sockets;
using System.Text;

namespace BrokenPipe.Lab.Checks;

/// <summary>The few bits of the websocket handshake (RFC 6455 §4) the websocket check needs.</summary>
internal static class WebSocketHandshake
{
    /// <summary>Reads an HTTP head up to its blank line (at most 64 KB), or null at EOF.</summary>
    public static async Task<string?> ReadHeadAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        return await ReadHeadAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads an HTTP head up to its blank line (at most 64 KB), one byte at a time so nothing after it is consumed; null at EOF.</summary>
    public static async Task<string?> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (head.Length < 64 * 1024)
        {
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0) return null;
            head.Append((char)one[0]);
            if (head.Length >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r') return head.ToString();
        }
        return head.ToString();
    }

    /// <summary>A header's value, or null.</summary>
    public static string? Header(string head, string name)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)) return line[(colon + 1)..].Trim();
        }
        return null;
    }

    /// <summary>The status of a response head ("HTTP/1.1 101 …"), or null.</summary>
    public static int? Status(string head) =>
        head.Split(' ', 3) is [_, var code, ..] && int.TryParse(code, out var s) ? s : null;
}
