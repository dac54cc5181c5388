using System.Net.Sockets;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

/// <summary>How a bounded read loop ended, with the bytes read before it ended.</summary>
/// <param name="Bytes">The bytes read before the end.</param>
/// <param name="Kind">EOF, an OS error, or silence until the bound.</param>
/// <param name="Error">The OS error when <paramref name="Kind"/> is <see cref="ReadEndKind.Error"/>.</param>
internal sealed record ReadEnd(byte[] Bytes, ReadEndKind Kind, SocketError? Error = null)
{
    /// <summary>The peer (or the middlebox) reset the connection: recv() failed with ECONNRESET.</summary>
    public bool IsReset => Kind == ReadEndKind.Error && Error == SocketError.ConnectionReset;

    public override string ToString() => $"{Bytes.Length} bytes then {(Kind == ReadEndKind.Error ? Error.ToString() : Kind.ToString())}";
}
