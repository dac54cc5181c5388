using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// Settings for runs on the docker runtime: the images of BROKENPIPE_LAB_NGINX_IMAGE / BROKENPIPE_LAB_REDIS_IMAGE (CI sets
/// them from <c>images build</c>), else images built here once per test process from this machine's packages — so the
/// tests need no registry.
/// </summary>
internal static class DockerSettings
{
    private static readonly Lazy<Task<LabSettings>> Once = new(BuildAsync);

    public static Task<LabSettings> HostNetworkAsync() => Once.Value;

    private static async Task<LabSettings> BuildAsync()
    {
        var settings = LabSettings.FromEnvironment() with { Runtime = DockerRuntime.HostNetwork };
        return settings with
        {
            NginxImage = settings.NginxImage ?? await LocalImages.BuildAsync(ServerProgram.Nginx),
            RedisImage = settings.RedisImage ?? await LocalImages.BuildAsync(ServerProgram.Redis),
        };
    }
}
