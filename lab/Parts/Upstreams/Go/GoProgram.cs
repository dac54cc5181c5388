using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Upstreams.Go;

/// <summary>
/// Go's net/http upstream (<c>server.go</c>, standard library only): built once with Debian's golang-go into the
/// program cache, by the hash of its source. Go's own build cache lives beside it (the first build compiles the
/// standard library: about 50 s; a later one of a changed source about 1 s); no module proxy is asked.
/// </summary>
internal static class GoProgram
{
    public static UpstreamProgram Descriptor { get; } = new(
        UpstreamLanguage.Go,
        "go",
        UpstreamProgram.Server("go", "golang-go", "golang", "go", ["/usr/bin/go", "/usr/lib/go/bin/go", "/usr/local/go/bin/go"]),
        "server.go",
        PrepareAsync);

    private static async Task<(string, IReadOnlyList<string>)> PrepareAsync(string go, string source, CancellationToken cancellationToken)
    {
        var dir = await ProgramCache.EnsureAsync("go", source, go, async (into, ct) =>
        {
            await File.WriteAllTextAsync(Path.Combine(into, "server.go"), source, ct).ConfigureAwait(false);
            var environment = new Dictionary<string, string>
            {
                ["GOCACHE"] = Path.Combine(ProgramCache.Root, "go-build"),
                ["GOPATH"] = Path.Combine(ProgramCache.Root, "go-path"),
                ["GOFLAGS"] = "",
                ["GOPROXY"] = "off",
                ["GO111MODULE"] = "off",
                ["CGO_ENABLED"] = "0",
            };
            var (code, output) = await Command.RunAsync(go, ["build", "-trimpath", "-o", Path.Combine(into, "server"), Path.Combine(into, "server.go")], environment: environment, timeout: TimeSpan.FromMinutes(5), cancellationToken: ct).ConfigureAwait(false);
            if (code != 0) throw new InvalidOperationException($"go build of the Go upstream failed (exit {code}): {output}");
        }, cancellationToken).ConfigureAwait(false);
        return (Path.Combine(dir, "server"), []);
    }
}
