using System.Diagnostics;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>Runs servers as local child processes of the lab.</summary>
public sealed class LocalRuntime : IServerRuntime
{
    public static LocalRuntime Instance { get; } = new();

    public string Name => "local";

    async Task<IServerProcess> IServerRuntime.StartAsync(IRuntimeHost lab, ServerLaunch launch, CancellationToken cancellationToken)
    {
        var path = await BinaryLocator.LocateAsync(launch.Program, launch.ExplicitPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        var process = await LocalProcess.StartAsync(lab, path, launch.Arguments, launch.Name).ConfigureAwait(false);
        return lab.Own<IServerProcess>(process, launch.Name);
    }

    async Task<(int ExitCode, string Output)> IServerRuntime.RunAsync(IRuntimeHost lab, ServerLaunch launch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var path = await BinaryLocator.LocateAsync(launch.Program, launch.ExplicitPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var process = await LocalProcess.StartAsync(lab, path, launch.Arguments, launch.Name).ConfigureAwait(false);
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (-1, $"{launch.Program.Name} did not finish within {timeout.TotalSeconds:0} s. {process.Output}");
        }
        return (process.ExitCode, process.Output);
    }
}
