using System.Text;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Runtimes;

public sealed class LogTailTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"brokenpipe-lab-test-tail-{Guid.NewGuid():N}");

    public LogTailTests() => Directory.CreateDirectory(_dir);

    private string Log => Path.Combine(_dir, "error.log");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Tail_LinesAppended_ReachTheCallbackInOrderAndAPartialLineOnlyWhenComplete()
    {
        File.WriteAllText(Log, "");
        var lines = new CollectedLines();
        await using var tail = new LogTail(Log, lines.Add);

        Append("one\ntw");
        await lines.WaitForAsync(1);
        Assert.Equal(["one"], lines.Snapshot()); // "tw" was in the same read: it is held back until its newline

        Append("o\nthree\n");
        await lines.WaitForAsync(3);
        Assert.Equal(["one", "two", "three"], lines.Snapshot());
    }

    [Fact]
    public async Task Tail_FileCreatedAfterTheTailStarted_IsRead()
    {
        var lines = new CollectedLines();
        await using var tail = new LogTail(Log, lines.Add);

        Append("late\n");

        await lines.WaitForAsync(1);
        Assert.Equal(["late"], lines.Snapshot());
    }

    [Fact]
    public async Task Tail_CrLfAndEmptyLines_AreTrimmedAndSkipped()
    {
        File.WriteAllText(Log, "");
        var lines = new CollectedLines();
        await using var tail = new LogTail(Log, lines.Add);

        Append("a\r\n\n\nb\r\nc\n");

        await lines.WaitForAsync(3);
        Assert.Equal(["a", "b", "c"], lines.Snapshot());
    }

    [Fact]
    public async Task Tail_FileTruncatedAndRewritten_ReadsFromTheStart()
    {
        File.WriteAllText(Log, "");
        var lines = new CollectedLines();
        await using var tail = new LogTail(Log, lines.Add);
        Append("a long first line\n");
        await lines.WaitForAsync(1);

        File.WriteAllText(Log, "new\n");

        await lines.WaitForAsync(2);
        Assert.Equal(["a long first line", "new"], lines.Snapshot());
    }

    [Fact]
    public async Task DisposeAsync_LineWrittenJustBefore_IsStillDelivered()
    {
        File.WriteAllText(Log, "");
        var lines = new CollectedLines();
        var tail = new LogTail(Log, lines.Add);

        Append("last words\n");
        await tail.DisposeAsync();

        Assert.Equal(["last words"], lines.Snapshot());
    }

    [Fact]
    public async Task Tail_FastWriter_LosesNoLine()
    {
        const int count = 200_000;
        for (var run = 0; run < 5; run++)
        {
            File.WriteAllText(Log, "");
            var delivered = 0;
            var tail = new LogTail(Log, _ => delivered++);
            using (var writer = new FileStream(Log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 1))
            {
                for (var i = 0; i < count; i++) writer.Write(Encoding.ASCII.GetBytes($"line {i:D7} of a log that a busy nginx writes fast\n"));
            }
            await tail.DisposeAsync();

            Assert.Equal(count, delivered);
        }
    }

    private void Append(string text)
    {
        using var stream = new FileStream(Log, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }

    [Fact]
    public async Task ReadNew_TruncatedWhileALineWasUnfinished_DropsTheOldPartial()
    {
        File.WriteAllText(Log, "");
        var lines = new CollectedLines();
        await using var tail = new LogTail(Log, lines.Add);
        Append("old unfinished");
        tail.ReadNew();

        File.WriteAllText(Log, "new\n");
        tail.ReadNew();

        Assert.Equal(["new"], lines.Snapshot());
    }
}
