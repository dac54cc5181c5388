using System.Text.RegularExpressions;
using BrokenPipe.Lab.Tests.Docs;

namespace BrokenPipe.Lab.Tests.Architecture;

/// <summary>
/// The lab's namespaces depend one way, down the layers of docs/architecture.md: a file may use the types of its own
/// layer and of the layers below it, never above. Read from the sources: a type of another namespace is used where its
/// name stands in a type position (before a dot, a generic or nullable mark, a declared name, or after new/is/as/typeof).
/// </summary>
public sealed partial class DependencyDirectionTests
{
    /// <summary>The layers, bottom first; each namespace prefix has the rank of the first layer that names it.</summary>
    private static readonly string[][] Layers =
    [
        ["BrokenPipe.Lab.Sockets"],
        ["BrokenPipe.Lab.Events"],
        ["BrokenPipe.Lab"],
        ["BrokenPipe.Lab.Runtimes"],
        ["BrokenPipe.Lab.Parts", "BrokenPipe.Lab.Clients", "BrokenPipe.Lab.Capture"],
        ["BrokenPipe.Lab.Scenarios", "BrokenPipe.Lab.Checks"],
        ["BrokenPipe.Lab.Reports", "BrokenPipe.Lab.Explain"],
    ];

    /// <summary>
    /// Back-arrows that exist today, each with why and who removes it. A new one fails the test; when one is gone,
    /// delete its line (a line that matches nothing is reported, not failed, so concurrent work can land in any order).
    /// </summary>
    private static readonly Dictionary<string, string> KnownBackArrows = new()
    {
        ["BrokenPipe.Lab -> BrokenPipe.Lab.Runtimes"] = "LabSandbox calls Runtimes/Reaper for dead labs' leftovers, and LabSettings names the runtime a lab's parts run on (IServerRuntime)",
    };

    [Fact]
    public void LabNamespaces_DependOnlyDownwards()
    {
        var edges = Edges();
        var back = edges.Where(e => Rank(e.To) > Rank(e.From)).Select(e => $"{e.From} -> {e.To}").Distinct().ToList();

        var unexpected = back.Where(b => !KnownBackArrows.ContainsKey(b)).ToList();

        Assert.True(unexpected.Count == 0, "dependencies pointing up the layers of docs/architecture.md:\n" + string.Join("\n", unexpected.Select(u => $"{u}  ({string.Join(", ", edges.Where(e => $"{e.From} -> {e.To}" == u).Select(e => e.Where).Take(5))})")));
    }

    [Fact]
    public void LabNamespaces_OfOneLayer_HaveNoCycle()
    {
        var edges = Edges().Select(e => (e.From, e.To)).ToHashSet();

        // A folder and its subfolder are one concept (the middlebox and its faults); a known back-arrow is reported above.
        var cycles = edges
            .Where(e => string.CompareOrdinal(e.From, e.To) < 0 && edges.Contains((e.To, e.From)))
            .Where(e => !e.To.StartsWith(e.From + ".", StringComparison.Ordinal) && !e.From.StartsWith(e.To + ".", StringComparison.Ordinal))
            .Where(e => !KnownBackArrows.ContainsKey($"{e.From} -> {e.To}") && !KnownBackArrows.ContainsKey($"{e.To} -> {e.From}"))
            .Select(e => $"{e.From} <-> {e.To}")
            .ToList();

        Assert.True(cycles.Count == 0, "namespaces that use each other: " + string.Join(", ", cycles));
    }

    private static int Rank(string ns)
    {
        for (var i = Layers.Length - 1; i >= 0; i--)
        {
            if (Layers[i].Any(p => ns == p || ns.StartsWith(p + ".", StringComparison.Ordinal))) return i;
        }
        throw new InvalidOperationException($"{ns} is in no layer: add it to docs/architecture.md and to Layers");
    }

    private static List<(string From, string To, string Where)> Edges()
    {
        var files = Directory.GetFiles(ApiReferenceTests.RepoFile("lab"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path: f, Text: File.ReadAllText(f)))
            .Select(f => (f.Path, Namespace: NamespaceLine().Match(f.Text).Groups[1].Value, Code: Strings().Replace(Comments().Replace(f.Text, ""), "\"\"")))
            .ToList();
        var owner = new Dictionary<string, string>();
        foreach (var f in files)
        {
            foreach (Match m in TopLevelType().Matches(f.Code)) owner.TryAdd(m.Groups[1].Value, f.Namespace);
        }
        var edges = new List<(string, string, string)>();
        foreach (var f in files)
        {
            foreach (Match m in TypeUse().Matches(f.Code))
            {
                var name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value;
                if (!owner.TryGetValue(name, out var ns) || ns == f.Namespace) continue;
                edges.Add((f.Namespace, ns, $"{Path.GetFileName(f.Path)}: {name}"));
            }
        }
        return edges;
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"//.*")]
    private static partial Regex Comments();

    [GeneratedRegex(@"\$?@?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex Strings();

    [GeneratedRegex(@"^(?:public|internal)(?: (?:sealed|static|abstract|partial|readonly))* (?:class|record|enum|interface|struct) (\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    /// <summary>
    /// A capitalised name not reached through a member access, followed by a dot, a generic or nullable mark, an array, or
    /// a declared name; or after new, is, as, typeof, a colon (a base list); or qualified by a lab namespace (Sockets.Native).
    /// </summary>
    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)(?=\s*[.?<\[]|\s+[a-z_@]\w*\s*[=;,)({]|\s+[a-z_]\w*$)|(?<=(?:\bnew|\bis|\bas|typeof\(|:)\s*)([A-Z]\w*)|(?<=\b(?:Parts\.\w+|Sockets|Events|Runtimes|Clients|Scenarios|Checks|Reports)\.)([A-Z]\w*)", RegexOptions.Multiline)]
    private static partial Regex TypeUse();
}
