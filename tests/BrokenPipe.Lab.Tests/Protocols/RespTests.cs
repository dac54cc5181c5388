using System.Text;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Lab.Tests.Protocols;

/// <summary>RESP framing, as pure logic over a memory stream.</summary>
public sealed class RespTests
{
    [Fact]
    public void Encode_Command_IsAnArrayOfBulkStrings() =>
        Assert.Equal("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n", Encoding.UTF8.GetString(Resp.Encode(["GET", "k"])));

    [Theory]
    [InlineData("+PONG\r\n", "PONG")]
    [InlineData(":42\r\n", "42")]
    [InlineData("$5\r\nhello\r\n", "hello")]
    [InlineData("$-1\r\n", "(nil)")]
    [InlineData("-ERR wrong\r\n", "-ERR wrong")]
    [InlineData("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n", "[0, [a, b]]")]
    public async Task ReadAsync_EachReplyType_Renders(string wire, string rendered)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(wire));
        Assert.Equal(rendered, Resp.Render(await Resp.ReadAsync(stream, CancellationToken.None)));
    }

    [Fact]
    public void Preview_ShortReply_IsTheRendering() =>
        Assert.Equal("[0, [a, b]]", Resp.Preview(new object?[] { "0", new object?[] { "a", "b" } }));

    [Fact]
    public void Preview_LongReply_IsCutWithAnEllipsis()
    {
        var page = new object?[] { "17", Enumerable.Range(0, 100).Select(_ => (object?)new string('v', 1000)).ToArray() };

        var preview = Resp.Preview(page, 50);

        Assert.Equal(Resp.Render(page)[..50] + "…", preview);
    }

    [Fact]
    public async Task ReadAsync_StreamEndsMidReply_ThrowsEndOfStream()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("+PON"));
        await Assert.ThrowsAsync<EndOfStreamException>(() => Resp.ReadAsync(stream, CancellationToken.None));
    }
}
