namespace BrokenPipe.Lab.Parts.Upstreams.Node;

/// <summary>Node's node:http upstream (<c>server.js</c>, standard library only): run by the distribution's node from the program cache.</summary>
internal static class NodeProgram
{
    public static UpstreamProgram Descriptor { get; } = new(
        UpstreamLanguage.Node,
        "node",
        UpstreamProgram.Server("node", "nodejs", "nodejs", "node", ["/usr/bin/node", "/usr/local/bin/node"]),
        "server.js",
        async (node, source, ct) =>
        {
            var dir = await ProgramCache.EnsureAsync("node", source, node, (into, c) => File.WriteAllTextAsync(Path.Combine(into, "server.js"), source, c), ct).ConfigureAwait(false);
            return (node, [Path.Combine(dir, "server.js")]);
        });
}
