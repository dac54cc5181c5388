using System.Net;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts;

/// <summary>
/// What differs between the parts that run a server program as a process (nginx, redis-server): the launch on a runtime,
/// where the server listens and for which side, and the part's dir, in which its program's logs are
/// (<see cref="ServerProgram.Logs"/>). Everything else is <see cref="PartProcess"/>'s.
/// </summary>
internal sealed record PartProcessStart(IServerRuntime Runtime, ServerLaunch Launch, IPEndPoint Endpoint, Side Side, string Dir)
{
    /// <summary>What the "started" sentence says after the endpoint (nginx: " (HTTP/1.1) → upstream 127.0.0.1:PORT"). The default value is nothing.</summary>
    public string Describes { get; init; } = "";

    /// <summary>An upstream this part connects to, registered so that what the upstream sees is named after this side. The default value is none.</summary>
    public IPEndPoint? Upstream { get; init; }

    /// <summary>The part's own error when the process exited before it was ready (nginx: the config it rejected), or null for the usual one.</summary>
    public Func<IServerProcess, Exception?> Rejected { get; init; } = _ => null;

    /// <summary>The actor name of the part's events.</summary>
    public string Name => Launch.Name;

    /// <summary>The program the part runs.</summary>
    public ServerProgram Program => Launch.Program;
}
