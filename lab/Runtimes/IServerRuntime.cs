namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// Where nginx and redis-server run. <see cref="LocalRuntime"/> starts local processes; <see cref="DockerRuntime"/> a container per launch
/// (labelled for reaping), without the parts changing.
/// </summary>
public interface IServerRuntime
{
    /// <summary>The runtime's name: "local", "docker" (host network), "docker-published".</summary>
    string Name { get; }

    /// <summary>The address a server must listen on to be reached through 127.0.0.1. The default value is 127.0.0.1.</summary>
    string ListenAddress => "127.0.0.1";

    /// <summary>Starts a long-running server, owned by <paramref name="lab"/> (stopped when the lab is disposed).</summary>
    internal Task<IServerProcess> StartAsync(IRuntimeHost lab, ServerLaunch launch, CancellationToken cancellationToken = default);

    /// <summary>Runs a short command to completion (e.g. <c>nginx -t</c>) and returns its exit code and output.</summary>
    internal Task<(int ExitCode, string Output)> RunAsync(IRuntimeHost lab, ServerLaunch launch, TimeSpan timeout, CancellationToken cancellationToken = default);
}
