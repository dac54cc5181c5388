using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Upstreams;

/// <summary>
/// One language's upstream, declared in its folder (<c>Go/GoProgram</c>, <c>Node/NodeProgram</c>, …): its runtime as a
/// program the lab finds or installs (<see cref="Runtime"/>: its package, its usual paths; ready when its port accepts;
/// its events file read by <see cref="UpstreamEvents"/>), the source file kept beside it, and how that source becomes
/// something to run (<see cref="PrepareAsync"/>: Go and Java build once into <see cref="ProgramCache"/>).
/// </summary>
/// <param name="Key">The short name on the CLI and in reports (<c>go</c>).</param>
/// <param name="Source">The source file's name in the part's folder, embedded in the assembly (<c>server.go</c>).</param>
/// <param name="PrepareAsync">Given the runtime's path and the source's text, what to run: the executable and the arguments before the common ones.</param>
internal sealed record UpstreamProgram(
    UpstreamLanguage Language,
    string Key,
    ServerProgram Runtime,
    string Source,
    Func<string, string, CancellationToken, Task<(string Executable, IReadOnlyList<string> Prefix)>> PrepareAsync)
{
    /// <summary>The events file in the part's dir: one JSON line per thing the runtime said.</summary>
    public const string EventsFile = "events.jsonl";

    /// <summary>The runtime's program, ready when its port accepts, its events file read into the timeline.</summary>
    public static ServerProgram Server(string name, string debian, string fedora, string brew, IReadOnlyList<string> candidates) =>
        new(name, debian, fedora, brew, candidates)
        {
            Readiness = ServerReadiness.PortAccepts,
            Logs = [new ServerLog(EventsFile, UpstreamEvents.Read)],
        };

    /// <summary>The source's text, from the assembly.</summary>
    public string SourceText()
    {
        var name = $"upstreams/{Source}";
        using var stream = typeof(UpstreamProgram).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"the lab's assembly lacks {name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// The runtime's path: the distribution's own first (its usual paths: Debian's python3, not a pyenv one earlier on
    /// PATH), then PATH, installing the package when the lab may.
    /// </summary>
    public async Task<string> RuntimePathAsync(CancellationToken cancellationToken) =>
        Runtime.Candidates.FirstOrDefault(File.Exists) ?? await BinaryLocator.LocateAsync(Runtime, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Why this language cannot run here (its runtime missing and not installable), or null.</summary>
    public string? Unavailable()
    {
        if (Runtime.Candidates.Any(File.Exists) || BinaryLocator.Find(Runtime) is not null) return null;
        return BinaryLocator.CanInstall() ? null : Runtime.InstallHint;
    }
}
