namespace BrokenPipe.Lab.Parts.Upstreams;

/// <summary>The languages an <see cref="UpstreamServer"/> is written in: each runs its standard library's HTTP server.</summary>
public enum UpstreamLanguage
{
    /// <summary>Go's net/http (Debian's golang-go), built once from the source in the part's folder and cached.</summary>
    Go,

    /// <summary>Node's node:http.</summary>
    Node,

    /// <summary>Python's http.server (Debian's python3).</summary>
    Python,

    /// <summary>Java's com.sun.net.httpserver (the JDK), compiled once and cached.</summary>
    Java,
}
