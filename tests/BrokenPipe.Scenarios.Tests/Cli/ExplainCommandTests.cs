using BrokenPipe.Lab.Explain;
using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>explain: the seeds' own error messages and other languages' spellings rank the scenario that produces them first.</summary>
public sealed class ExplainCommandTests
{
    [Theory]
    // Seeds 001 and 002: Go's error for a write after the client (or the proxy) left.
    [InlineData("write tcp 127.0.0.1:3000->127.0.0.1:52814: write: broken pipe", ScenarioIds.Over8KbWrite)]
    // Seed 002 with the ingress's log line.
    [InlineData("2022/04/07 01:12:14 [error] 31#31: *1 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 127.0.0.1", ScenarioIds.IngressTimeout)]
    // Seed 003: Python's redis client, then Redis's own log line.
    [InlineData("redis.exceptions.ConnectionError: Error 104 while writing to socket. Connection reset by peer.", ScenarioIds.RedisQueryBufferLimit)] // where redis-py really says it: a reset meets its sendall()
    [InlineData("Client id=8821 addr=10.0.4.9:5510 scheduled to be closed ASAP for overcoming of output buffer limits.", ScenarioIds.RedisPubsubSlowSubscriber)]
    [InlineData("StackExchange.Redis.RedisConnectionException: No connection is available to service this operation: GET k", ScenarioIds.RedisCrashRestart)]
    [InlineData("StackExchange.Redis.RedisTimeoutException: Timeout performing GET k, inst: 1, queue: 3", ScenarioIds.RedisIdleDrop)]
    [InlineData("upstream prematurely closed connection while reading response header from upstream", ScenarioIds.UpstreamKeepaliveRace)]
    [InlineData("System.Net.Http.HttpIOException: The response ended prematurely. (ResponseEnded)", ScenarioIds.SlowUpstreamBody)]
    public void Explain_ASeedOrLibraryMessage_RanksItsScenarioFirst(string text, string expected)
    {
        var ranked = Explainer.Explain(text, Catalog.All);

        Assert.NotEmpty(ranked);
        Assert.Equal(expected, ranked[0].Scenario.Id);
    }

    [Theory]
    [InlineData("write tcp 10.0.0.1:80->10.0.0.2:4000: write: broken pipe", SocketFailure.BrokenPipe)]
    [InlineData("BrokenPipeError: [Errno 32] Broken pipe", SocketFailure.BrokenPipe)]
    [InlineData("Error: write EPIPE", SocketFailure.BrokenPipe)]
    [InlineData("java.io.IOException: Broken pipe", SocketFailure.BrokenPipe)]
    [InlineData("System.IO.IOException: Unable to write data to the transport connection: Broken pipe. ---> System.Net.Sockets.SocketException (32): Broken pipe", SocketFailure.BrokenPipe)]
    [InlineData("read tcp 10.0.0.1:80->10.0.0.2:4000: read: connection reset by peer", SocketFailure.ConnectionReset)]
    [InlineData("ConnectionResetError: [Errno 104] Connection reset by peer", SocketFailure.ConnectionReset)]
    [InlineData("Error: read ECONNRESET", SocketFailure.ConnectionReset)]
    [InlineData("java.net.SocketException: Connection reset", SocketFailure.ConnectionReset)]
    [InlineData("System.Net.Sockets.SocketException (104): Connection reset by peer", SocketFailure.ConnectionReset)]
    [InlineData("recv() failed (104: Connection reset by peer) while reading response header from upstream", SocketFailure.ConnectionReset)]
    public void Aliases_EachLanguagesSpelling_MapsToOneFailureKind(string text, SocketFailure expected)
    {
        Assert.Contains(expected, FailureAliases.Find(text).Select(a => a.Failure));
    }

    [Fact]
    public async Task Explain_UnrelatedText_SaysNoMatchPlainly()
    {
        using var stdout = new StringWriter();

        var code = await new ExplainCommand(stdout, Catalog.All).RunAsync(["the build is green"]);

        Assert.Equal(1, code);
        Assert.StartsWith("no match:", stdout.ToString());
    }

    [Fact]
    public async Task Explain_AMatch_PrintsWhyFixAndTheCommandToReproduce()
    {
        using var stdout = new StringWriter();

        var code = await new ExplainCommand(stdout, Catalog.All).RunAsync(["write: broken pipe"]);

        Assert.Equal(0, code);
        var text = stdout.ToString();
        Assert.StartsWith($"1. {ScenarioIds.Over8KbWrite} — ", text);
        Assert.Contains("   why:       ", text);
        Assert.Contains("   fix:       ", text);
        Assert.Contains($"   reproduce: dotnet run --project scenarios -- run {ScenarioIds.Over8KbWrite}", text);
    }

    [Fact]
    public async Task Explain_ALogFile_MatchesItsLines()
    {
        var path = Path.Combine(Path.GetTempPath(), $"brokenpipe-explain-{Guid.NewGuid():N}.log");
        await File.WriteAllLinesAsync(path, [
            "2026/12/01 05:59:08 [info] 20059#20059: *2 epoll_wait() reported that client prematurely closed connection, so upstream connection is closed too while sending request to upstream",
            "2026/12/01 05:59:11 [info] 20067#20067: *2 writev() failed (32: Broken pipe) while sending to client, client: 127.0.0.1",
        ]);
        try
        {
            using var stdout = new StringWriter();
            var code = await new ExplainCommand(stdout, Catalog.All).RunAsync(["--log", path]);

            Assert.Equal(0, code);
            Assert.StartsWith($"1. {ScenarioIds.ProxyClientAbort} — ", stdout.ToString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("explain")]
    [InlineData("explain", "--log")]
    [InlineData("explain", "--log", "/no/such/file")]
    [InlineData("explain", "--frobnicate")]
    public async Task Explain_BadInput_OneLineOnStderrAndExitCode2(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await new CliApp(stdout, stderr, Catalog.All).RunAsync(args);

        Assert.Equal(2, code);
        Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
