using System.Diagnostics;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>
/// A machine where the lab cannot make its run directory (here TMPDIR names a file): a failure of set-up, told in one
/// line on stderr with exit code 2 — never an unhandled exception and an abort (exit 134, a core dump).
/// </summary>
public sealed class RunDirectoryTests
{
    [Fact]
    public async Task Run_TmpDirIsAFile_OneLineOnStderrAndExitCode2()
    {
        var file = Path.Combine(Path.GetTempPath(), $"brokenpipe-not-a-dir-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, "a file where TMPDIR should be a directory");
        try
        {
            var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "brokenpipe-lab"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList = { "run", ScenarioIds.FinVsRst, "--variant", "broken" },
                Environment = { ["TMPDIR"] = file },
            };
            using var cli = Process.Start(psi)!;
            var stdout = cli.StandardOutput.ReadToEndAsync();
            var stderr = cli.StandardError.ReadToEndAsync();
            await cli.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(2, cli.ExitCode);
            var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var error = Assert.Single(lines, l => l.StartsWith("error: ", StringComparison.Ordinal));
            Assert.Contains($"run directory {file}/brokenpipe-lab-", error, StringComparison.Ordinal);
            Assert.Contains("set TMPDIR to a directory of your own", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", await stderr, StringComparison.Ordinal);
            _ = await stdout;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
