using System.Text;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// Follows an HTTP/1.1 response byte by byte: the head, then a Content-Length or chunked body, so that the client
/// can tell a complete body from a truncated one (fewer bytes than Content-Length, or no final chunk).
/// </summary>
internal sealed class HttpResponseReader
{
    private readonly StringBuilder _head = new();
    private readonly StringBuilder _line = new();
    private ChunkState _chunk = ChunkState.Size;
    private long _chunkRemaining;

    private enum ChunkState
    {
        Size,
        Data,
        DataEnd,
        Trailer,
    }

    public bool HeadComplete { get; private set; }

    public int? Status { get; private set; }

    public long? ContentLength { get; private set; }

    public bool Chunked { get; private set; }

    public long HeadBytes { get; private set; }

    public long BodyBytes { get; private set; }

    /// <summary>True once the body has ended where its framing says it ends.</summary>
    public bool Complete { get; private set; }

    /// <summary>After EOF: the head arrived and the framing promised more body than came.</summary>
    public bool TruncatedAtEof => HeadComplete && !Complete && (ContentLength is not null || Chunked);

    public void Feed(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (!HeadComplete && i < data.Length)
        {
            _head.Append((char)data[i++]);
            HeadBytes++;
            if (_head.Length >= 4 && _head[^1] == '\n' && _head[^2] == '\r' && _head[^3] == '\n' && _head[^4] == '\r') ParseHead();
        }
        if (HeadComplete && !Complete) FeedBody(data[i..]);
    }

    private void ParseHead()
    {
        HeadComplete = true;
        var lines = _head.ToString().Split("\r\n");
        var status = lines[0].Split(' ');
        if (status.Length >= 2 && int.TryParse(status[1], out var code)) Status = code;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) continue;
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && long.TryParse(value, out var n)) ContentLength = n;
            if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase)) Chunked = true;
        }
        if (Status is 204 or 304 || (Status is >= 100 and < 200) || (!Chunked && ContentLength == 0)) Complete = true;
    }

    private void FeedBody(ReadOnlySpan<byte> data)
    {
        if (!Chunked)
        {
            var take = ContentLength is { } cl ? Math.Min(data.Length, cl - BodyBytes) : data.Length;
            BodyBytes += take;
            if (ContentLength is { } length && BodyBytes >= length) Complete = true;
            return;
        }
        foreach (var b in data)
        {
            if (Complete) return;
            switch (_chunk)
            {
                case ChunkState.Size:
                    if (b != '\n')
                    {
                        _line.Append((char)b);
                        break;
                    }
                    var size = _line.ToString().Split(';')[0].Trim();
                    _line.Clear();
                    _chunkRemaining = Convert.ToInt64(size.Length == 0 ? "0" : size, 16);
                    _chunk = _chunkRemaining == 0 ? ChunkState.Trailer : ChunkState.Data;
                    break;
                case ChunkState.Data:
                    BodyBytes++;
                    if (--_chunkRemaining == 0) _chunk = ChunkState.DataEnd;
                    break;
                case ChunkState.DataEnd:
                    if (b == '\n') _chunk = ChunkState.Size;
                    break;
                case ChunkState.Trailer:
                    if (b != '\n')
                    {
                        if (b != '\r') _line.Append((char)b);
                        break;
                    }
                    if (_line.Length == 0) Complete = true;
                    _line.Clear();
                    break;
            }
        }
    }
}
