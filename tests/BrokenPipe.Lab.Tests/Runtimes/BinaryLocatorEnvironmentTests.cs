using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Runtimes;

/// <summary>Tests that set process environment variables: one collection, so they never run beside each other.</summary>
[Collection("environment")]
public sealed class BinaryLocatorEnvironmentTests
{
    private static readonly ServerProgram Missing = new("no-such-server-xyz", "no-such-pkg", "x", "x", []);

    [Theory]
    [InlineData("1")]
    [InlineData("yes")]
    public async Task LocateAsync_NoInstallSetAndProgramMissing_ThrowsTheInstallHint(string value)
    {
        var said = new List<string>();

        var e = await WithNoInstallAsync(value, () => Assert.ThrowsAsync<RuntimeMissingException>(() => BinaryLocator.LocateAsync(Missing, say: said.Add).WaitAsync(Bound.Wait)));

        Assert.Equal(Missing.InstallHint, e.Message);
        Assert.Empty(said); // no install was attempted
    }

    [Fact]
    public async Task StartAsync_NoInstallSetAndProgramMissing_ThrowsAndLeavesNothingInTheLab()
    {
        await using var lab = new LabSandbox("runtime-missing");
        var launch = new ServerLaunch(Missing, ["--version"], "missing");

        var e = await WithNoInstallAsync("1", () => Assert.ThrowsAsync<RuntimeMissingException>(() => ((IServerRuntime)LocalRuntime.Instance).StartAsync(lab, launch).WaitAsync(Bound.Wait)));

        Assert.Contains("apt-get install no-such-pkg", e.Message);
        Assert.False(File.Exists(Path.Combine(lab.Directory, "processes")));
    }

    private static async Task<T> WithNoInstallAsync<T>(string value, Func<Task<T>> body)
    {
        var before = Environment.GetEnvironmentVariable(BinaryLocator.NoInstallVariable);
        Environment.SetEnvironmentVariable(BinaryLocator.NoInstallVariable, value);
        try
        {
            return await body();
        }
        finally
        {
            Environment.SetEnvironmentVariable(BinaryLocator.NoInstallVariable, before);
        }
    }
}
