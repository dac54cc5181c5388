using System.Net.Sockets;

namespace BrokenPipe.Lab.Protocols;

/// <summary>
/// Counts a long pipeline's replies without keeping them: a PUBLISH burst answers with tens of thousands of integers,
/// and a PING sent after it ends them with its +PONG. Reads the socket in 64 KB buffers and looks only at each line's
/// type byte and an integer's digits.
/// </summary>
public static class RespReplies
{
    /// <summary>Reads replies up to the +PONG that follows the pipeline; EOF before it throws <see cref="EndOfStreamException"/>.</summary>
    public static async Task<RespReplyCount> CountUntilPongAsync(Socket socket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var buffer = new byte[64 * 1024];
        int positive = 0, zero = 0, other = 0;
        var lineStart = true;
        byte type = 0;
        long value = 0;
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0) throw new EndOfStreamException($"the connection ended after {positive + zero + other} replies");
            foreach (var b in buffer.AsSpan(0, n))
            {
                if (lineStart)
                {
                    (type, value, lineStart) = (b, 0, false);
                }
                else if (b == '\n')
                {
                    lineStart = true;
                    if (type == '+') return new RespReplyCount(positive, zero, other); // +PONG: the last reply
                    if (type != ':') other++;
                    else if (value > 0) positive++;
                    else zero++;
                }
                else if (type == ':' && char.IsAsciiDigit((char)b))
                {
                    value = value * 10 + (b - '0');
                }
            }
        }
    }

    /// <summary><paramref name="command"/> encoded <paramref name="times"/> times in a row: a pipeline built before anyone reads.</summary>
    public static byte[] Pipeline(IReadOnlyList<string> command, int times)
    {
        var one = Resp.Encode(command);
        var all = new byte[one.Length * times];
        for (var i = 0; i < times; i++) one.CopyTo(all, i * one.Length);
        return all;
    }
}
