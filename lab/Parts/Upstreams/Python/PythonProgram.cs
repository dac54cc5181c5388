namespace BrokenPipe.Lab.Parts.Upstreams.Python;

/// <summary>
/// Python's http.server upstream (<c>server.py</c>, standard library only): run by the distribution's python3
/// (<c>/usr/bin/python3</c> first, not a pyenv or venv one earlier on PATH) from the program cache.
/// </summary>
internal static class PythonProgram
{
    public static UpstreamProgram Descriptor { get; } = new(
        UpstreamLanguage.Python,
        "python",
        UpstreamProgram.Server("python3", "python3", "python3", "python@3", ["/usr/bin/python3"]),
        "server.py",
        async (python, source, ct) =>
        {
            var dir = await ProgramCache.EnsureAsync("python", source, python, (into, c) => File.WriteAllTextAsync(Path.Combine(into, "server.py"), source, c), ct).ConfigureAwait(false);
            return (python, ["-u", Path.Combine(dir, "server.py")]);
        });
}
