using BrokenPipe.Lab.Runtimes;
using BrokenPipe.Lab.Parts;

namespace BrokenPipe.Lab.Tests.Runtimes;

/// <summary>
/// Settings for the docker runtime: the images of BROKENPIPE_LAB_NGINX_IMAGE / BROKENPIPE_LAB_REDIS_IMAGE (CI sets them
/// from <c>images build</c>), else images built here once per test process from this machine's packages.
/// </summary>
internal static class DockerSettings
{
    private static readonly Lazy<Task<LabSettings>> Once = new(BuildAsync);

    public static Task<LabSettings> HostNetworkAsync() => Once.Value;

    private static async Task<LabSettings> BuildAsync()
    {
        var settings = LabSettings.FromEnvironment() with { Runtime = DockerRuntime.HostNetwork };
        foreach (var program in ServerPrograms.All.Where(p => !settings.Images.ContainsKey(p.Key)))
        {
            settings = settings.WithImage(program.Key, await LocalImages.BuildAsync(program));
        }
        return settings;
    }
}
