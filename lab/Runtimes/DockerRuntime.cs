using System.Collections.Concurrent;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// Runs servers in containers (Testcontainers 4.16, with Docker.DotNet.Enhanced for kill, pause and logs): one container
/// per launch, on the image the part asks for (<c>NginxOptions.Image</c>, <c>RedisOptions.Image</c>), else the run's
/// <see cref="LabSettings"/>, else the official image (<c>nginx:1.27</c>, <c>redis:7.4</c>). The lab's run dir is mounted
/// at the same path, so a part's arguments, config and logs are those of a local process: the same parsers, the same
/// events. Where no engine answers, starting a server throws <see cref="RuntimeMissingException"/> saying how to start
/// one; where an image is missing and cannot be pulled, it names <c>images build</c>.
/// </summary>
public sealed class DockerRuntime : IServerRuntime
{
    private static readonly ConcurrentDictionary<string, Lazy<Task>> Images = new();
    private static readonly Lazy<Task> Sweep = new(SweepAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    private DockerRuntime(DockerNetwork network) => Network = network;

    /// <summary>Containers on the host's network stack: the default, faithful to a local process.</summary>
    public static DockerRuntime HostNetwork { get; } = new(DockerNetwork.Host);

    /// <summary>Containers whose ports are published on 127.0.0.1 through the engine's proxy, as docker compose runs them.</summary>
    public static DockerRuntime PublishedPorts { get; } = new(DockerNetwork.Published);

    /// <summary>How the servers are reached.</summary>
    public DockerNetwork Network { get; }

    /// <summary>"docker" (host network) or "docker-published".</summary>
    public string Name => Network == DockerNetwork.Host ? "docker" : "docker-published";

    /// <summary>Inside a container with a published port the server must listen on the container's own interface.</summary>
    public string ListenAddress => Network == DockerNetwork.Host ? "127.0.0.1" : "0.0.0.0";

    /// <summary>How to get images on a machine without a registry: the command, and how to pass what it prints.</summary>
    private static readonly string ImagesBuild = $"'{LabCommand.Prefix} images build' and pass the tags it prints (--image PROGRAM=TAG, or {ServerProgram.ImageVariableOf("PROGRAM")})";

    /// <summary>The one line for an image the engine does not have and cannot pull.</summary>
    public static string ImageMissing(string image, string why) =>
        $"the Docker engine has no image {image} and cannot pull it ({why}): build local images with {ImagesBuild}";

    /// <summary>
    /// Why <paramref name="image"/> cannot be used now, or null when the engine has it: no engine, or the engine has no
    /// such image. Asked before a run of a scenario that needs the engine whatever the run's runtime, so the catalog
    /// skips it with the reason instead of ending in "error". It never pulls: the lab's own images
    /// (<c>brokenpipe-lab/*</c>) exist only where <c>images build</c> made them, and a pull of an official image may take
    /// a minute or fail on a machine that reaches no registry; the reason names both remedies. Bounded: the engine has
    /// 3 s to answer.
    /// </summary>
    public static string? ImageUnavailable(string image)
    {
        if (DockerEngine.Unavailable is { } reason) return reason;
        try
        {
            using var bound = new CancellationTokenSource(ImageCheckBound);
            DockerEngine.Client.Images.InspectImageAsync(image, bound.Token).WaitAsync(ImageCheckBound).GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e) when (e is DockerImageNotFoundException || (e is DockerApiException api && api.StatusCode == System.Net.HttpStatusCode.NotFound))
        {
            var ours = image.StartsWith(ServerProgram.LocalImagePrefix, StringComparison.Ordinal);
            return ours
                ? $"the Docker engine has no image {image} (the lab builds its own images and never pulls them): build them with {ImagesBuild}"
                : $"the Docker engine has no image {image} (not pulled before a run: a registry may be unreachable): pull it (docker pull {image}), or build local images with {ImagesBuild}";
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            return $"the Docker engine did not say within {ImageCheckBound.TotalSeconds:0} s whether it has image {image}";
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException)
        {
            return $"the Docker engine could not say whether it has image {image}: {FirstLine(EngineWords(e.Message))}";
        }
    }

    private static readonly TimeSpan ImageCheckBound = TimeSpan.FromSeconds(3);

    /// <summary>Starts the server in a container owned by <paramref name="lab"/>; returns once it runs (the part then probes readiness).</summary>
    async Task<IServerProcess> IServerRuntime.StartAsync(IRuntimeHost lab, ServerLaunch launch, CancellationToken cancellationToken)
    {
        var image = await PrepareAsync(lab, launch, cancellationToken).ConfigureAwait(false);
        var container = await DockerContainer.StartAsync(lab, launch, image, Network, cancellationToken).ConfigureAwait(false);
        return lab.Own<IServerProcess>(container, launch.Name);
    }

    /// <summary>Runs a short command (e.g. <c>nginx -t</c>) in a container of the same image to completion, then removes it.</summary>
    async Task<(int ExitCode, string Output)> IServerRuntime.RunAsync(IRuntimeHost lab, ServerLaunch launch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var image = await PrepareAsync(lab, launch, cancellationToken).ConfigureAwait(false);
        var client = DockerEngine.Client;
        var create = new CreateContainerParameters
        {
            Image = image,
            Entrypoint = [launch.Program.Name],
            Cmd = [.. launch.Arguments],
            Labels = new Dictionary<string, string>(ContainerLabels.For(lab)),
            HostConfig = new HostConfig { NetworkMode = "host", Binds = [$"{lab.Directory}:{lab.Directory}"] },
        };
        var id = (await client.Containers.CreateContainerAsync(create, cancellationToken).ConfigureAwait(false)).ID;
        lab.RememberContainer(id);
        try
        {
            await client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(timeout);
            ContainerWaitResponse done;
            try
            {
                done = await client.Containers.WaitContainerAsync(id, bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return (-1, $"{launch.Program.Name} did not finish within {timeout.TotalSeconds:0} s in {image}");
            }
            using var logs = await client.Containers.GetContainerLogsAsync(id, new ContainerLogsParameters { ShowStdout = true, ShowStderr = true }, cancellationToken).ConfigureAwait(false);
            var (stdout, stderr) = await logs.ReadOutputToEndAsync(cancellationToken).ConfigureAwait(false);
            return ((int)done.StatusCode, (stdout + stderr).TrimEnd());
        }
        finally
        {
            await DockerContainer.RemoveQuietlyAsync(id).ConfigureAwait(false);
            lab.ForgetContainer(id);
        }
    }

    /// <summary>The engine answers, dead labs' containers are gone (once per process), and the image is there.</summary>
    private static async Task<string> PrepareAsync(IRuntimeHost lab, ServerLaunch launch, CancellationToken cancellationToken)
    {
        DockerEngine.EnsureAvailable();
        // Dead labs' containers go in the background: they hold no port this lab will use (its ports come free from the
        // kernel), and the first container of a process need not wait for the sweep.
        _ = Sweep.Value;
        var image = launch.Image ?? lab.ImageFor(launch.Program);
        var ensure = Images.GetOrAdd(image, i => new Lazy<Task>(() => EnsureImageAsync(i), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            await ensure.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RuntimeMissingException)
        {
            // Ask again next time: the user may build or pull it meanwhile.
            Images.TryRemove(new KeyValuePair<string, Lazy<Task>>(image, ensure));
            throw;
        }
        return image;
    }

    /// <summary>Removes the containers of dead labs; a failure only means they wait for the next sweep.</summary>
    private static async Task SweepAsync()
    {
        try
        {
            await Reaper.ReapOrphanContainersAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is DockerApiException or HttpRequestException or IOException or OperationCanceledException)
        {
        }
    }

    /// <summary>The image is on the engine, or is pulled (bounded); otherwise the one line naming <c>images build</c>.</summary>
    private static async Task EnsureImageAsync(string image)
    {
        var client = DockerEngine.Client;
        try
        {
            await client.Images.InspectImageAsync(image).ConfigureAwait(false);
            return;
        }
        catch (DockerImageNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
        var (name, tag) = SplitTag(image);
        var errors = new StringBuilder();
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await client.Images.CreateImageAsync(
                new ImagesCreateParameters { FromImage = name, Tag = tag },
                null,
                new Progress<JSONMessage>(m => { if (m.Error?.Message is { Length: > 0 } err) errors.Append(err); }),
                bound.Token).ConfigureAwait(false);
            await client.Images.InspectImageAsync(image, bound.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DockerApiException or OperationCanceledException or IOException or HttpRequestException)
        {
            var why = errors.Length > 0 ? errors.ToString() : e is OperationCanceledException ? "the pull did not finish within 60 s" : EngineWords(e.Message);
            throw new RuntimeMissingException(ImageMissing(image, FirstLine(why)));
        }
    }

    private static (string Name, string Tag) SplitTag(string image)
    {
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }

    /// <summary>The engine's own words from a JSON error body (<c>{"message":"…"}</c>), else the first line.</summary>
    private static string EngineWords(string text)
    {
        var at = text.IndexOf("\"message\":\"", StringComparison.Ordinal);
        if (at < 0) return FirstLine(text);
        var start = at + "\"message\":\"".Length;
        var end = text.IndexOf("\"}", start, StringComparison.Ordinal);
        return (end > start ? text[start..end] : text[start..]).Replace("\\\"", "\"", StringComparison.Ordinal);
    }

    private static string FirstLine(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
}
