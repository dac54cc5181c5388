using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Upstreams.Java;

/// <summary>
/// Java's com.sun.net.httpserver upstream (<c>Server.java</c>, the JDK only): compiled once with the JDK's javac into
/// the program cache, by the hash of its source, and run with a JVM tuned to start fast (class data sharing, the
/// client compiler only, the serial collector): a workshop waits for it once per run.
/// </summary>
internal static class JavaProgram
{
    public static UpstreamProgram Descriptor { get; } = new(
        UpstreamLanguage.Java,
        "java",
        UpstreamProgram.Server("java", "default-jdk-headless", "java-17-openjdk-devel", "openjdk", ["/usr/bin/java", "/usr/lib/jvm/default-java/bin/java"]),
        "Server.java",
        PrepareAsync);

    private static async Task<(string, IReadOnlyList<string>)> PrepareAsync(string java, string source, CancellationToken cancellationToken)
    {
        var javac = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(ResolveLinks(java)))!, "javac");
        var dir = await ProgramCache.EnsureAsync("java", source, java, async (into, ct) =>
        {
            var file = Path.Combine(into, "Server.java");
            await File.WriteAllTextAsync(file, source, ct).ConfigureAwait(false);
            var (code, output) = await Command.RunAsync(File.Exists(javac) ? javac : "javac", ["-d", into, file], timeout: TimeSpan.FromMinutes(2), cancellationToken: ct).ConfigureAwait(false);
            if (code != 0) throw new InvalidOperationException($"javac of the Java upstream failed (exit {code}): {output}");
        }, cancellationToken).ConfigureAwait(false);
        return (java, ["-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-cp", dir, "Server"]);
    }

    private static string ResolveLinks(string path) =>
        new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
}
