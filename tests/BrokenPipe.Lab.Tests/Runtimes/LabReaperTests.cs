using System.Diagnostics;
using System.Globalization;

namespace BrokenPipe.Lab.Tests.Runtimes;

/// <summary>
/// A test host killed mid-run leaves its lab dir and children behind; the next lab reaps them. Every lab runs the reaper
/// in its constructor (other tests' labs too), so these tests wait on the outcome, not on which lab produced it.
/// </summary>
public sealed class LabReaperTests
{
    [Fact]
    public async Task NewLab_DirOfADeadOwner_KillsItsRegisteredProcessAndRemovesTheDir()
    {
        var deadOwner = await DeadPidAsync();
        using var orphan = StartSleep();
        try
        {
            var dir = PlantLeftover(deadOwner, $"{orphan.Id} {ProcFs.StartTime(orphan.Id)} nginx");

            await using var lab = new LabSandbox("reaper");

            Assert.True(await ProcFs.PollAsync(() => !ProcFs.Exists(orphan.Id), Bound.Wait), $"the orphan sleep {orphan.Id} is still running");
            Assert.True(await ProcFs.PollAsync(() => !Directory.Exists(dir), Bound.Wait), $"{dir} is still there");
        }
        finally
        {
            if (!orphan.HasExited) orphan.Kill();
        }
    }

    [Fact]
    public async Task NewLab_RegisteredPidWithAnotherStartTime_IsNotKilled()
    {
        var deadOwner = await DeadPidAsync();
        using var bystander = StartSleep();
        try
        {
            // The PID was reused: the registry's start time is not the running process's.
            var dir = PlantLeftover(deadOwner, $"{bystander.Id} 1 nginx");

            await using var lab = new LabSandbox("reaper-reused-pid");

            // The dir goes after its registry was handled: once it is gone, the decision has been made.
            Assert.True(await ProcFs.PollAsync(() => !Directory.Exists(dir), Bound.Wait), $"{dir} is still there");
            Assert.False(bystander.HasExited);
            Assert.True(ProcFs.Exists(bystander.Id));
        }
        finally
        {
            if (!bystander.HasExited) bystander.Kill();
        }
    }

    [Fact]
    public async Task NewLab_DirOfALiveOwner_IsLeftAlone()
    {
        using var owner = StartSleep();
        var dir = PlantLeftover(owner.Id, $"{owner.Id} {ProcFs.StartTime(owner.Id)} nginx");
        try
        {
            await using var lab = new LabSandbox("reaper-live-owner");

            Assert.True(Directory.Exists(dir));
            Assert.False(owner.HasExited);
        }
        finally
        {
            if (!owner.HasExited) owner.Kill();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task NewLab_DirWhoseOwnerPidWasReused_IsReaped()
    {
        // The dir's owner died and its PID now belongs to another process: the start time in the name tells them apart.
        using var reuser = StartSleep();
        using var orphan = StartSleep();
        try
        {
            var dir = PlantLeftover($"x-{reuser.Id}-t1", $"{orphan.Id} {ProcFs.StartTime(orphan.Id)} nginx");

            await using var lab = new LabSandbox("reaper-reused-owner");

            Assert.True(await ProcFs.PollAsync(() => !Directory.Exists(dir), Bound.Wait), $"{dir} is still there");
            Assert.True(await ProcFs.PollAsync(() => !ProcFs.Exists(orphan.Id), Bound.Wait), $"the orphan sleep {orphan.Id} is still running");
            Assert.False(reuser.HasExited);
        }
        finally
        {
            if (!orphan.HasExited) orphan.Kill();
            if (!reuser.HasExited) reuser.Kill();
        }
    }

    [Fact]
    public async Task NewLab_DirOfALiveOwnerNamedWithItsStartTime_IsLeftAlone()
    {
        using var owner = StartSleep();
        var dir = PlantLeftover($"x-{owner.Id}-t{ProcFs.StartTime(owner.Id)}", $"{owner.Id} {ProcFs.StartTime(owner.Id)} nginx");
        try
        {
            await using var lab = new LabSandbox("reaper-live-owner-start");

            Assert.True(Directory.Exists(dir));
            Assert.False(owner.HasExited);
        }
        finally
        {
            if (!owner.HasExited) owner.Kill();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>A PID that no process has: that of a /bin/true that has exited.</summary>
    private static async Task<int> DeadPidAsync()
    {
        using var done = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
        await done.WaitForExitAsync().WaitAsync(Bound.Wait);
        Assert.True(await ProcFs.PollAsync(() => !ProcFs.Exists(done.Id), Bound.Wait));
        return done.Id;
    }

    private static Process StartSleep() => Process.Start(new ProcessStartInfo("/bin/sleep", "30") { UseShellExecute = false })!;

    /// <summary>
    /// A lab dir as a crashed process leaves it: <c>x-OWNER-RANDOM</c> with a process registry. It is written under a
    /// name the reaper ignores and then renamed, so that no lab sees it half-written.
    /// </summary>
    private static string PlantLeftover(int ownerPid, string registryLine) =>
        PlantLeftover(string.Create(CultureInfo.InvariantCulture, $"x-{ownerPid}"), registryLine);

    /// <summary>The same under <c>PREFIX-RANDOM</c> (a run dir's name is <c>NAME-PID-tSTART-RANDOM</c>).</summary>
    private static string PlantLeftover(string prefix, string registryLine)
    {
        var id = Guid.NewGuid().ToString("N");
        var staging = Path.Combine(LabSandbox.TempRoot, $"staging{id}");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "processes"), registryLine + Environment.NewLine);
        var dir = Path.Combine(LabSandbox.TempRoot, $"{prefix}-{id}");
        Directory.Move(staging, dir);
        return dir;
    }
}
