using System.Net;
using BrokenPipe.Lab.Parts.Kestrel;

namespace BrokenPipe.Lab.Tests.Clients;

/// <summary>A user's own header wins over the one the client would compute: one header of each name, never two.</summary>
public sealed class RawHttpClientHeadersTests
{
    private static readonly IPEndPoint Server = new(IPAddress.Loopback, 8080);

    [Theory]
    [InlineData("Content-Length: 5")]
    [InlineData("content-length: 5")]
    [InlineData("CONTENT-LENGTH:5")]
    public void RequestHead_UserContentLength_ReplacesTheComputedOne(string line)
    {
        var head = RawHttpClient.RequestHead(new RawHttpOptions { UploadBytes = 10, Headers = [line] }, Server);

        Assert.Equal([line], Lines(head, "Content-Length"));
    }

    [Fact]
    public void RequestHead_UserHostUserAgentConnection_OneOfEach()
    {
        var options = new RawHttpOptions { Host = "ignored.example", Headers = ["host: lab.example", "User-Agent: curl/8.5.0", "Connection: close"] };

        var head = RawHttpClient.RequestHead(options, Server);

        Assert.Equal(["host: lab.example"], Lines(head, "Host"));
        Assert.Equal(["User-Agent: curl/8.5.0"], Lines(head, "User-Agent"));
        Assert.Equal(["Connection: close"], Lines(head, "Connection"));
    }

    [Fact]
    public void RequestHead_NoUserHeaders_SendsTheComputedOnes()
    {
        var head = RawHttpClient.RequestHead(new RawHttpOptions { UploadBytes = 10 }, Server);

        Assert.StartsWith("GET / HTTP/1.1\r\n", head, StringComparison.Ordinal);
        Assert.Equal(["Host: 127.0.0.1:8080"], Lines(head, "Host"));
        Assert.Equal(["Content-Length: 10"], Lines(head, "Content-Length"));
        Assert.EndsWith("\r\n\r\n", head, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UserContentLengthAndHost_KestrelSeesOneOfEachAndAnswers200()
    {
        await using var lab = new LabSandbox("raw-client-user-headers");
        string? seen = null;
        var server = await KestrelServer.StartAsync(lab, async x =>
        {
            var request = x.Context.Request;
            seen = $"{request.Headers.ContentLength} {request.Headers.Host} {request.Headers.UserAgent.Count}";
            await x.ReadBodyAsync();
            await x.WriteAsync(10);
        });

        // Two Content-Length headers (or two Host headers) would make Kestrel answer 400.
        var result = await RawHttpClient.RunAsync(
            lab,
            server.Endpoint,
            new RawHttpOptions { Method = "POST", UploadBytes = 100, Headers = ["content-length: 100", "HOST: lab.example", "user-agent: mine"] });

        Assert.Equal((200, true), (result.Status, result.Complete));
        Assert.Equal("100 lab.example 1", seen);
    }

    private static List<string> Lines(string head, string name) =>
        head.Split("\r\n").Where(l => l.Split(':')[0].Trim().Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();
}
