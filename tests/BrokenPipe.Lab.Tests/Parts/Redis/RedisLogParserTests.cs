using BrokenPipe.Lab.Parts.Redis;

namespace BrokenPipe.Lab.Tests.Parts.Redis;

/// <summary>Real redis-server 7.0.15 log lines (from the ground truth) read into kinds.</summary>
public sealed class RedisLogParserTests
{
    private const string Hard = "9472:M 21 Nov 2026 19:21:10.250 # Client id=5 addr=127.0.0.1:50446 laddr=127.0.0.1:16401 fd=7 name=rawsub age=0 idle=0 flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=20474 argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=52 omem=1066208 tot-mem=1103896 events=rw cmd=subscribe user=default redir=-1 resp=2 scheduled to be closed ASAP for overcoming of output buffer limits.";
    private const string Soft = "9757:M 21 Nov 2026 19:21:39.057 # Client id=5 addr=127.0.0.1:53926 laddr=127.0.0.1:16401 fd=7 name= age=2 idle=2 flags=P db=0 sub=1 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=37 omem=758648 tot-mem=775864 events=rw cmd=subscribe user=default redir=-1 resp=2 closed for overcoming of output buffer limits.";

    [Fact]
    public void Parse_HardLimitLine_IsOutputBufferLimitHard()
    {
        Assert.Equal(EventKind.RedisOutputBufferLimit, RedisLogParser.Parse(Hard));
        Assert.Equal("hard", RedisLogParser.Limit(Hard));
        Assert.Equal(("subscribe", "1066208"), (RedisLogParser.Field(Hard, "cmd"), RedisLogParser.Field(Hard, "omem")));
    }

    [Fact]
    public void Parse_SoftLimitLine_IsOutputBufferLimitSoft()
    {
        Assert.Equal(EventKind.RedisOutputBufferLimit, RedisLogParser.Parse(Soft));
        Assert.Equal("soft", RedisLogParser.Limit(Soft));
    }

    [Theory]
    [InlineData("13403:M 21 Nov 2026 19:26:43.011 - Closing idle client", EventKind.RedisIdleClientClosed)]
    [InlineData("27364:M 21 Nov 2026 21:06:52.869 * Ready to accept connections", EventKind.RedisReady)]
    [InlineData("27364:M 21 Nov 2026 21:06:58.193 # User requested shutdown...", EventKind.RedisLog)]
    public void Parse_KnownLines_HaveTheirKind(string line, EventKind kind) => Assert.Equal(kind, RedisLogParser.Parse(line));

    [Theory]
    [InlineData("27364:M 21 Nov 2026 21:06:53.001 - Accepted 127.0.0.1:44122")]
    [InlineData("27364:M 21 Nov 2026 21:06:53.001 * DB loaded from disk: 0.000 seconds")]
    public void Parse_RoutineLines_AreNotRecorded(string line) => Assert.Null(RedisLogParser.Parse(line));

    [Fact]
    public void Field_Missing_IsNull() => Assert.Null(RedisLogParser.Field(Hard, "nosuchfield"));

    [Fact]
    public void Fields_HardLimitLine_AreTheClientsDescription()
    {
        var fields = RedisLogParser.Fields(Hard);

        Assert.Equal(("127.0.0.1:50446", "P", "1066208", "subscribe", "rawsub"), (fields["addr"], fields["flags"], fields["omem"], fields["cmd"], fields["name"]));
        Assert.Equal("", RedisLogParser.Fields(Soft)["name"]);
        Assert.DoesNotContain("limits.", fields.Keys);
    }

    [Fact]
    public void Fields_LineWithoutClient_IsEmpty() => Assert.Empty(RedisLogParser.Fields("13403:M 21 Nov 2026 19:26:43.011 - Closing idle client"));

    [Fact]
    public void InfoFields_ServerSection_ReadsNameValueLines()
    {
        var fields = RedisLogParser.InfoFields("# Server\r\nredis_version:7.0.15\r\nrun_id:4f1e0c2a9b\r\nuptime_in_seconds:12\r\n");

        Assert.Equal(("4f1e0c2a9b", "12", 3), (fields["run_id"], fields["uptime_in_seconds"], fields.Count));
    }
}
