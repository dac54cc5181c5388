using System.Net;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// When a started server is ready: <paramref name="Probe"/> answers yes for its endpoint (a SocketException or
/// IOException means "not yet"); <paramref name="NotYet"/> says what did not happen in time ("its port did not accept").
/// </summary>
internal sealed record ServerReadiness(Func<IPEndPoint, CancellationToken, Task<bool>> Probe, string NotYet)
{
    /// <summary>The program's own words when it exited before it was ready (its output, or the lines of it that matter).</summary>
    public Func<string, string> ExitWords { get; init; } = output => output;

    /// <summary>Ready when a TCP connection to the endpoint is accepted.</summary>
    public static ServerReadiness PortAccepts { get; } = new(Runtimes.Readiness.PortAcceptsAsync, "its port did not accept");
}
