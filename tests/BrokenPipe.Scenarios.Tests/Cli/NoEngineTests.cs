using System.Diagnostics;
using System.Text.Json;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>
/// A docker run where no engine answers: outcome "error" and one line saying how to start one. The CLI runs as a process
/// of its own (the engine is probed once per process), pointed at a socket that does not exist.
/// </summary>
public sealed class NoEngineTests
{
    [Fact]
    public async Task Run_DockerRuntimeWithoutAnEngine_EndsInErrorSayingHowToStartOne()
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "brokenpipe-lab"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { "run", ScenarioIds.RedisBigReply, "--variant", "broken", "--runtime", "docker", "--json", "-" },
            Environment = { ["DOCKER_HOST"] = $"unix:///tmp/no-engine-{Guid.NewGuid():N}.sock" },
        };
        using var cli = Process.Start(psi)!;
        var stdout = cli.StandardOutput.ReadToEndAsync();
        var stderr = cli.StandardError.ReadToEndAsync();
        await cli.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, cli.ExitCode);
        using var json = JsonDocument.Parse(await stdout);
        Assert.Equal("error", json.RootElement.GetProperty("outcome").GetString());
        var error = json.RootElement.GetProperty("events").EnumerateArray().Last().GetProperty("detail").GetString()!;
        Assert.Contains("no Docker engine answers", error, StringComparison.Ordinal);
        Assert.Contains("dockerd", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
        _ = await stderr;
    }
}
