using BrokenPipe.Lab.Parts.Upstreams;

namespace BrokenPipe.Scenarios;

/// <summary>The keys of the upstreams a scenario can put behind its traffic (<c>--upstream</c>): the lab's own two and each language's.</summary>
internal static class Upstream
{
    /// <summary>An in-process Kestrel with the scenario's handler.</summary>
    public const string Kestrel = "kestrel";

    /// <summary>The kernel reference: one libc send() per chunk.</summary>
    public const string Raw = "raw";

    /// <summary>Every language's key, in the lab's order (go, node, python, java).</summary>
    public static IReadOnlyList<string> Languages => [.. UpstreamServer.Languages.Select(UpstreamServer.Key)];

    /// <summary>The language whose key is <paramref name="key"/>, or null for kestrel and raw.</summary>
    public static UpstreamLanguage? Language(string key) =>
        UpstreamServer.Languages.Where(l => UpstreamServer.Key(l) == key).Select(l => (UpstreamLanguage?)l).FirstOrDefault();

    /// <summary>Why the upstreams <paramref name="keys"/> cannot all run here (a language's runtime missing), or null.</summary>
    public static string? Unavailable(params string[] keys) =>
        keys.Select(Language).OfType<UpstreamLanguage>().Select(UpstreamServer.Unavailable).FirstOrDefault(r => r is not null);
}
