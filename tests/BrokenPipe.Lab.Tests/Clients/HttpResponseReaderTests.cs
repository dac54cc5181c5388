using System.Text;

namespace BrokenPipe.Lab.Tests.Clients;

public sealed class HttpResponseReaderTests
{
    private const string LengthHead = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\n";
    private const string ChunkedHead = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

    [Fact]
    public void Feed_ContentLengthBodyInFull_IsComplete()
    {
        var reader = Read(LengthHead + "0123456789");

        Assert.True(reader.HeadComplete);
        Assert.Equal(200, reader.Status);
        Assert.Equal(10, reader.ContentLength);
        Assert.False(reader.Chunked);
        Assert.Equal(LengthHead.Length, reader.HeadBytes);
        Assert.Equal(10, reader.BodyBytes);
        Assert.True(reader.Complete);
        Assert.False(reader.TruncatedAtEof);
    }

    [Fact]
    public void Feed_ContentLengthBodyShort_IsTruncatedAtEof()
    {
        var reader = Read(LengthHead + "01234");

        Assert.Equal(5, reader.BodyBytes);
        Assert.False(reader.Complete);
        Assert.True(reader.TruncatedAtEof);
    }

    [Fact]
    public void Feed_BytesPastContentLength_AreNotCountedAsBody()
    {
        var reader = Read(LengthHead + "0123456789EXTRA");

        Assert.Equal(10, reader.BodyBytes);
        Assert.True(reader.Complete);
    }

    [Fact]
    public void Feed_HeadOnly_IsTruncatedAtEofWithNoBody()
    {
        var reader = Read(LengthHead);

        Assert.True(reader.HeadComplete);
        Assert.Equal(0, reader.BodyBytes);
        Assert.True(reader.TruncatedAtEof);
    }

    [Fact]
    public void Feed_PartialHead_IsNeitherCompleteNorTruncated()
    {
        var reader = Read("HTTP/1.1 200 OK\r\nContent-Len");

        Assert.False(reader.HeadComplete);
        Assert.Null(reader.Status);
        Assert.False(reader.Complete);
        Assert.False(reader.TruncatedAtEof);
    }

    [Fact]
    public void Feed_ChunkedWithFinalChunk_IsComplete()
    {
        var reader = Read(ChunkedHead + "5\r\nhello\r\na\r\n0123456789\r\n0\r\n\r\n");

        Assert.True(reader.Chunked);
        Assert.Null(reader.ContentLength);
        Assert.Equal(15, reader.BodyBytes);
        Assert.True(reader.Complete);
        Assert.False(reader.TruncatedAtEof);
    }

    [Fact]
    public void Feed_ChunkedWithExtensionAndTrailer_IsCompleteAfterTheTrailer()
    {
        var reader = new HttpResponseReader();
        reader.Feed(Encoding.ASCII.GetBytes(ChunkedHead + "5;name=value\r\nhello\r\n0\r\nX-Checksum: abc\r\n"));
        Assert.False(reader.Complete); // the trailer section has not ended yet

        reader.Feed(Encoding.ASCII.GetBytes("\r\n"));

        Assert.Equal(5, reader.BodyBytes);
        Assert.True(reader.Complete);
    }

    [Fact]
    public void Feed_ChunkedWithoutFinalChunk_IsTruncatedAtEof()
    {
        var reader = Read(ChunkedHead + "5\r\nhello\r\n");

        Assert.Equal(5, reader.BodyBytes);
        Assert.False(reader.Complete);
        Assert.True(reader.TruncatedAtEof);
    }

    [Fact]
    public void Feed_ChunkedCutMidChunk_IsTruncatedAtEof()
    {
        var reader = Read(ChunkedHead + "a\r\n01234");

        Assert.Equal(5, reader.BodyBytes);
        Assert.True(reader.TruncatedAtEof);
    }

    [Theory]
    [InlineData(LengthHead + "0123456789", 10)]
    [InlineData(ChunkedHead + "5\r\nhello\r\na\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n", 15)]
    public void Feed_ByteByByte_GivesTheSameResultAsOneFeed(string response, long body)
    {
        var bytes = Encoding.ASCII.GetBytes(response);
        var reader = new HttpResponseReader();

        for (var i = 0; i < bytes.Length; i++)
        {
            Assert.False(reader.Complete, $"complete before byte {i} of {bytes.Length}");
            reader.Feed(bytes.AsSpan(i, 1));
        }

        Assert.Equal(200, reader.Status);
        Assert.Equal(body, reader.BodyBytes);
        Assert.True(reader.Complete);
    }

    [Fact]
    public void Feed_HeadSplitAcrossTheBlankLine_IsParsedOnce()
    {
        var reader = new HttpResponseReader();

        reader.Feed(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r"));
        Assert.False(reader.HeadComplete);
        reader.Feed(Encoding.ASCII.GetBytes("\nab"));
        Assert.True(reader.HeadComplete);
        Assert.False(reader.Complete);
        reader.Feed(Encoding.ASCII.GetBytes("c"));

        Assert.Equal(3, reader.BodyBytes);
        Assert.True(reader.Complete);
    }

    [Fact]
    public void Feed_NoContentWithoutBody_IsComplete()
    {
        var reader = Read("HTTP/1.1 204 No Content\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n");

        Assert.Equal(204, reader.Status);
        Assert.True(reader.Complete);
        Assert.False(reader.TruncatedAtEof);
        Assert.Equal(0, reader.BodyBytes);
    }

    [Fact]
    public void Feed_ContentLengthZero_IsComplete()
    {
        var reader = Read("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");

        Assert.Equal(500, reader.Status);
        Assert.True(reader.Complete);
    }

    [Fact]
    public void Feed_NoFraming_IsNeverCompleteNorTruncated()
    {
        // A response delimited by the connection's close: EOF is its normal end.
        var reader = Read("HTTP/1.0 200 OK\r\n\r\nsome bytes");

        Assert.Equal(10, reader.BodyBytes);
        Assert.False(reader.Complete);
        Assert.False(reader.TruncatedAtEof);
    }

    private static HttpResponseReader Read(string response)
    {
        var reader = new HttpResponseReader();
        reader.Feed(Encoding.ASCII.GetBytes(response));
        return reader;
    }
}
