using BrokenPipe.Scenarios.Cli;
using BrokenPipe.Lab.Tests.Runtimes;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>The CLI's docker options: --runtime, --nginx-image, --redis-image, images build, and check-proxy --image.</summary>
public sealed class DockerCliTests : IDisposable
{
    private static readonly string[] Quick = ["--long-response", "3s", "--stream-gap", "1s", "--upstream-idle", "500ms", "--slow-client-rate", "4194304"];
    private readonly string _dir = Directory.CreateTempSubdirectory("brokenpipe-docker-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("--runtime", "podman", "unknown runtime 'podman'")]
    [InlineData("--runtime", null, "--runtime needs a value")]
    [InlineData("--redis-image", null, "--redis-image needs a value")]
    public async Task Run_BadDockerOption_ExitCode2WithOneLine(string flag, string? value, string message)
    {
        string[] args = value is null ? ["run", ScenarioIds.RedisBigReply, flag] : ["run", ScenarioIds.RedisBigReply, flag, value];

        var (code, _, stderr) = await InProcessCli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task Images_WithoutBuild_ExitCode2WithUsage()
    {
        var (code, _, stderr) = await InProcessCli.RunAsync(["images", "push"]);

        Assert.Equal(2, code);
        Assert.Contains("usage: images build", stderr);
    }

    [DockerFact]
    public async Task Run_RedisScenarioWithRuntimeDockerAndLocalImage_MeetsItsExpectation()
    {
        var image = (await DockerSettings.HostNetworkAsync()).Images["redis"];

        var (code, stdout, _) = await InProcessCli.RunAsync(["run", ScenarioIds.RedisBigReply, "--variant", "broken", "--runtime", "docker", "--redis-image", image]);

        Assert.True(code == 0, stdout);
        Assert.Contains($"({image})", stdout);
    }

    [DockerFact]
    public async Task CheckProxy_ImageOfTheTeamsNginx_PassesEveryCheckInAContainer()
    {
        var image = (await DockerSettings.HostNetworkAsync()).Images["nginx"];
        var config = Write("good.conf", "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; proxy_read_timeout 30s; } }");

        var (code, stdout, _) = await InProcessCli.RunAsync(["check-proxy", "--config", config, "--image", image, .. Quick]);

        Assert.True(code == 0, stdout);
        Assert.Contains("checks passed, 0 failed", stdout);
    }

    [DockerFact]
    public async Task CheckProxy_ImageTheEngineCannotGet_ExitCode2NamingImagesBuild()
    {
        var config = Write("any.conf", "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; } }");

        var (code, _, stderr) = await InProcessCli.RunAsync(["check-proxy", "--config", config, "--image", "brokenpipe-lab/nginx:no-such-version"]);

        Assert.Equal(2, code);
        Assert.Contains("images build", stderr);
    }

    [DockerTheory(NeedsBridge = true)]
    [InlineData("brokenpipe-lab/redis:no-such-version", "never pulls them")]
    [InlineData("redis:0.0-no-such-version", "docker pull redis:0.0-no-such-version")]
    public async Task RunAll_DockerScenarioWhoseImageTheEngineLacks_SkippedWithTheReason(string image, string remedy)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var app = new CliApp(stdout, stderr, [Catalog.All.Single(s => s.Id == ScenarioIds.DockerProxyHidesReset)]);

        var code = await app.RunAsync(["run", "--all", "--redis-image", image]);

        Assert.True(code == 0, stderr.ToString());
        var skipped = Assert.Single(stderr.ToString().Split('\n'), l => l.StartsWith($"skipped {ScenarioIds.DockerProxyHidesReset}: ", StringComparison.Ordinal));
        Assert.Contains($"the Docker engine has no image {image}", skipped);
        Assert.Contains(remedy, skipped);
        Assert.Contains("images build", skipped);
        Assert.Contains("0 of 0 runs", stdout.ToString());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
