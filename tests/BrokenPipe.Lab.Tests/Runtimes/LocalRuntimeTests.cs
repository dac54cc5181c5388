using System.Globalization;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Runtimes;

public sealed class LocalRuntimeTests
{
    private static readonly ServerProgram Sh = new("sh", "dash", "bash", "bash", ["/bin/sh"]);
    private static readonly ServerProgram Sleep = new("sleep", "coreutils", "coreutils", "coreutils", ["/bin/sleep"]);

    [Fact]
    public async Task RunAsync_ShortCommand_ReturnsItsExitCodeAndOutput()
    {
        await using var lab = new LabSandbox("runtime-run");

        var (code, output) = await ((IServerRuntime)LocalRuntime.Instance).RunAsync(lab, new ServerLaunch(Sh, ["-c", "echo out; echo err >&2; exit 3"], "sh") { ExplicitPath = "/bin/sh" }, Bound.Wait);

        Assert.Equal(3, code);
        Assert.Contains("out", output);
        Assert.Contains("err", output);
        Assert.Empty(File.ReadAllLines(Path.Combine(lab.Directory, "processes")));
    }

    [Fact]
    public async Task RunAsync_CommandOutlivesTheTimeout_MinusOneAndTheProcessIsGone()
    {
        await using var lab = new LabSandbox("runtime-run-timeout");
        var marker = Marker();

        var (code, output) = await ((IServerRuntime)LocalRuntime.Instance).RunAsync(lab, new ServerLaunch(Sleep, [marker], "sleep"), TimeSpan.FromMilliseconds(200)).WaitAsync(Bound.Wait);

        Assert.Equal(-1, code);
        Assert.Contains("did not finish within", output);
        Assert.True(await ProcFs.PollAsync(() => ProcFs.WithCommandLineContaining($"sleep {marker}").Count == 0, Bound.Wait), "the timed-out sleep is still running");
        Assert.Empty(File.ReadAllLines(Path.Combine(lab.Directory, "processes")));
    }

    [Fact]
    public async Task StartAsync_Server_IsOwnedByTheLabAndStoppedWithIt()
    {
        var lab = new LabSandbox("runtime-start");
        int pid;
        try
        {
            var server = await ((IServerRuntime)LocalRuntime.Instance).StartAsync(lab, new ServerLaunch(Sleep, ["30"], "sleeper"));
            pid = server.Pid;
            Assert.True(ProcFs.Exists(pid));
            Assert.Contains(File.ReadAllLines(Path.Combine(lab.Directory, "processes")), l => l.StartsWith($"{pid} ", StringComparison.Ordinal));
        }
        finally
        {
            await lab.DisposeAsync();
        }

        Assert.True(await ProcFs.PollAsync(() => !ProcFs.Exists(pid), Bound.Wait), $"/proc/{pid} is still there after the lab was disposed");
    }

    /// <summary>A sleep duration no other process has on its command line (sleep takes fractions).</summary>
    private static string Marker() => string.Create(CultureInfo.InvariantCulture, $"29.{Random.Shared.Next(100_000, 999_999)}");
}
