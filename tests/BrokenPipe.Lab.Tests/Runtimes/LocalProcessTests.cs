using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Runtimes;

public sealed class LocalProcessTests
{
    private const string Sleeper = "sleeper";

    [Fact]
    public async Task Start_Sleep_PidAndStartTimeAreInTheLabsProcessesFile()
    {
        await using var lab = new LabSandbox("process-registry");

        await using var sleep = LocalProcess.Start(lab, "/bin/sleep", ["30"], Sleeper);

        Assert.False(sleep.HasExited);
        // The program's own line, and (when it runs under the host tether's wrappers) the wrapper's, noted first.
        var lines = Registry(lab);
        Assert.Contains($"{sleep.Pid} {ProcFs.StartTime(sleep.Pid)} {Sleeper}", lines);
        Assert.InRange(lines.Length, 1, 2);
        Assert.All(lines, l => Assert.EndsWith($" {Sleeper}", l));
    }

    [Fact]
    public async Task StopAsync_Term_EndsItAndRemovesItFromTheFile()
    {
        await using var lab = new LabSandbox("process-stop");
        await using var sleep = LocalProcess.Start(lab, "/bin/sleep", ["30"], Sleeper);
        var pid = sleep.Pid;

        await sleep.StopAsync(UnixSignal.Term, TimeSpan.FromSeconds(3)).WaitAsync(Bound.Wait);

        Assert.True(sleep.HasExited);
        Assert.Equal(128 + (int)UnixSignal.Term, sleep.ExitCode);
        Assert.True(await ProcFs.PollAsync(() => !ProcFs.Exists(pid), Bound.Wait), $"/proc/{pid} is still there");
        Assert.Empty(Registry(lab));
        Assert.DoesNotContain(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Note); // it stopped on the signal: no kill was needed
    }

    [Fact]
    public async Task StopAsync_ProcessIgnoresTerm_KilledAfterTheGraceWithANote()
    {
        await using var lab = new LabSandbox("process-kill");
        await using var stubborn = LocalProcess.Start(lab, "/bin/sh", ["-c", "trap '' TERM; exec /bin/sleep 30"], Sleeper);
        var pid = stubborn.Pid;
        // The exec comes after the trap: once the command line is sleep's, SIGTERM is ignored.
        Assert.True(await ProcFs.PollAsync(() => ProcFs.CommandLine(pid)?.StartsWith("/bin/sleep", StringComparison.Ordinal) == true, Bound.Wait));

        await stubborn.StopAsync(UnixSignal.Term, TimeSpan.FromMilliseconds(200)).WaitAsync(Bound.Wait);

        Assert.True(stubborn.HasExited);
        Assert.Equal(128 + (int)UnixSignal.Kill, stubborn.ExitCode);
        var note = Assert.Single(lab.Timeline.Snapshot(), e => e.Kind == EventKind.Note);
        Assert.Contains($"pid {pid}", note.Detail);
        Assert.Empty(Registry(lab));
    }

    [Fact]
    public async Task Signal_StopThenCont_PausesAndResumesIt()
    {
        await using var lab = new LabSandbox("process-signal");
        await using var sleep = LocalProcess.Start(lab, "/bin/sleep", ["30"], Sleeper);

        sleep.Signal(UnixSignal.Stop);
        Assert.True(await ProcFs.PollAsync(() => ProcFs.State(sleep.Pid) == 'T', Bound.Wait), $"state {ProcFs.State(sleep.Pid)}, not T (stopped)");

        sleep.Signal(UnixSignal.Cont);
        Assert.True(await ProcFs.PollAsync(() => ProcFs.State(sleep.Pid) == 'S', Bound.Wait), $"state {ProcFs.State(sleep.Pid)}, not S (sleeping)");
        Assert.False(sleep.HasExited);
    }

    [Fact]
    public async Task Output_StdoutAndStderr_AreBothKept()
    {
        await using var lab = new LabSandbox("process-output");
        await using var sh = LocalProcess.Start(lab, "/bin/sh", ["-c", "echo to-stdout; echo to-stderr >&2; exit 3"], "sh");

        await sh.WaitForExitAsync().WaitAsync(Bound.Wait);

        Assert.Equal(3, sh.ExitCode);
        Assert.Contains("to-stdout", sh.Output);
        Assert.Contains("to-stderr", sh.Output);
    }

    [Fact]
    public async Task Start_WorkingDirectory_IsTheLabsDirectory()
    {
        await using var lab = new LabSandbox("process-cwd");
        await using var pwd = LocalProcess.Start(lab, "/bin/pwd", [], "pwd");

        await pwd.WaitForExitAsync().WaitAsync(Bound.Wait);

        Assert.Equal(lab.Directory, pwd.Output.Trim());
    }

    [Fact]
    public async Task Signal_AfterExit_DoesNothing()
    {
        await using var lab = new LabSandbox("process-signal-exited");
        await using var done = LocalProcess.Start(lab, "/bin/true", [], "true");
        await done.WaitForExitAsync().WaitAsync(Bound.Wait);

        done.Signal(UnixSignal.Kill);

        Assert.Equal(0, done.ExitCode);
    }

    private static string[] Registry(LabSandbox lab)
    {
        var path = Path.Combine(lab.Directory, "processes");
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }
}
