using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>Waits until a server the lab just started answers: its port accepts (nginx), PING answers (redis-server).</summary>
internal static class Readiness
{
    /// <summary>How long a server may take to become ready.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Waits until <paramref name="program"/>'s readiness probe answers yes for <paramref name="endpoint"/>; see the other overload.</summary>
    public static Task UntilAsync(IServerProcess process, ServerProgram program, IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var readiness = program.Readiness ?? throw new ArgumentException($"{program.Name} is not a server", nameof(program));
        return UntilAsync(
            process,
            program.Name,
            ct => readiness.Probe(endpoint, ct),
            exited => exited ? $"{program.Name} exited: {readiness.ExitWords(process.Output)}" : $"{readiness.NotYet} within {Timeout.TotalSeconds:0} s",
            cancellationToken);
    }

    /// <summary>Ready when a TCP connection to <paramref name="endpoint"/> is accepted.</summary>
    public static async Task<bool> PortAcceptsAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await probe.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
        // The lab's own connection, not the story's: captures name it the lab's and the packet oracle leaves it out.
        LabConnections.Register(probe);
        return true;
    }

    /// <summary>
    /// Asks <paramref name="ready"/> every millisecond (every 20 ms for a container: through a published port each try is a
    /// connection the engine's proxy accepts and drops) until it says yes; a SocketException or IOException from it means
    /// "not yet". When the process exits or <see cref="Timeout"/> passes, the process is stopped and the call throws
    /// "PROGRAM did not start: " with <paramref name="whyNot"/>'s words (its argument: whether the process exited).
    /// </summary>
    public static async Task UntilAsync(IServerProcess process, string program, Func<CancellationToken, Task<bool>> ready, Func<bool, string> whyNot, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromMilliseconds(process is DockerContainer ? 20 : 1);
        while (true)
        {
            try
            {
                if (await ready(cancellationToken).ConfigureAwait(false)) return;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                // Not listening yet: nginx and redis-server are ready within a few ms of starting.
            }
            if (process.HasExited || clock.Elapsed >= Timeout)
            {
                var why = whyNot(process.HasExited);
                await process.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"{program} did not start: {why}");
            }
            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
        }
    }
}
