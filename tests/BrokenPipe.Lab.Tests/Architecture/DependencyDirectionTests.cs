using System.Text.RegularExpressions;
using BrokenPipe.Lab.Tests.Docs;

namespace BrokenPipe.Lab.Tests.Architecture;

/// <summary>
/// The lab's namespaces depend one way, down the layers of docs/architecture.md: a file may use the types of its own
/// layer and of the layers below it, never above. Read from the sources of lab/ and scenarios/ (the catalog and the CLI
/// sit on top): a type of another namespace is used where its name stands in a type position (before a dot, a generic or
/// nullable mark, a declared name, or after new/is/as/typeof), or behind a partly qualified name (<c>Nginx.NginxProxy</c>,
/// <c>Lab.Runtimes.IServerRuntime</c>). No exceptions: an arrow that points up fails. The catalog's scenario files use
/// only the lab's public surface, as a team's own scenarios would.
/// </summary>
public sealed partial class DependencyDirectionTests
{
    /// <summary>The layers, bottom first; each namespace prefix has the rank of the first layer that names it.</summary>
    private static readonly string[][] Layers =
    [
        ["BrokenPipe.Lab.Sockets", "BrokenPipe.Lab.Protocols"],
        ["BrokenPipe.Lab.Events"],
        ["BrokenPipe.Lab.Runtimes"],
        ["BrokenPipe.Lab"],
        ["BrokenPipe.Lab.Parts", "BrokenPipe.Lab.Clients", "BrokenPipe.Lab.Capture"],
        ["BrokenPipe.Lab.Scenarios", "BrokenPipe.Lab.Checks"],
        ["BrokenPipe.Lab.Reports", "BrokenPipe.Lab.Explain"],
        ["BrokenPipe.Scenarios"],
    ];

    [Fact]
    public void LabNamespaces_DependOnlyDownwards()
    {
        var edges = Edges();
        var unexpected = edges.Where(e => Rank(e.To) > Rank(e.From)).Select(e => $"{e.From} -> {e.To}").Distinct().ToList();

        Assert.True(unexpected.Count == 0, "dependencies pointing up the layers of docs/architecture.md:\n" + string.Join("\n", unexpected.Select(u => $"{u}  ({string.Join(", ", edges.Where(e => $"{e.From} -> {e.To}" == u).Select(e => e.Where).Take(5))})")));
    }

    [Fact]
    public void LabNamespaces_OfOneLayer_HaveNoCycle()
    {
        var edges = Edges().Select(e => (e.From, e.To)).ToHashSet();

        // A folder and its subfolder are one concept (the middlebox and its faults; the CLI and its catalog).
        var cycles = edges
            .Where(e => string.CompareOrdinal(e.From, e.To) < 0 && edges.Contains((e.To, e.From)))
            .Where(e => !e.To.StartsWith(e.From + ".", StringComparison.Ordinal) && !e.From.StartsWith(e.To + ".", StringComparison.Ordinal))
            .Select(e => $"{e.From} <-> {e.To}")
            .ToList();

        Assert.True(cycles.Count == 0, "namespaces that use each other: " + string.Join(", ", cycles));
    }

    [Fact]
    public void ScenarioFiles_UseOnlyThePublicSurface()
    {
        // The CLI (scenarios/Cli) is the lab's own tool and sees its internals; a scenario file is what a team would write.
        var internals = Edges()
            .Where(e => e.From.StartsWith("BrokenPipe.Scenarios", StringComparison.Ordinal) && !e.From.StartsWith("BrokenPipe.Scenarios.Cli", StringComparison.Ordinal))
            .Where(e => e.To.StartsWith("BrokenPipe.Lab", StringComparison.Ordinal) && !e.Public)
            .Select(e => e.Where)
            .Distinct()
            .ToList();

        Assert.True(internals.Count == 0, "scenario files that use the lab's internals:\n" + string.Join("\n", internals));
    }

    [Theory]
    [InlineData("var x = Nginx.NginxProxy.Where(p);", "NginxProxy")]
    [InlineData("Lab.Runtimes.IServerRuntime runtime", "IServerRuntime")]
    [InlineData("settings with { Runtime = Runtimes.DockerRuntime.HostNetwork }", "DockerRuntime")]
    public void TypeUses_PartlyQualifiedName_IsFound(string code, string type) =>
        Assert.Contains(type, TypeUses(code, ["Nginx", "Lab", "Runtimes"]));

    private static int Rank(string ns)
    {
        for (var i = Layers.Length - 1; i >= 0; i--)
        {
            if (Layers[i].Any(p => ns == p || ns.StartsWith(p + ".", StringComparison.Ordinal))) return i;
        }
        throw new InvalidOperationException($"{ns} is in no layer: add it to docs/architecture.md and to Layers");
    }

    private static List<(string From, string To, string Where, bool Public)> Edges()
    {
        var files = new[] { "lab", "scenarios" }
            .SelectMany(dir => Directory.GetFiles(ApiReferenceTests.RepoFile(dir), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path: f, Text: File.ReadAllText(f)))
            .Select(f => (f.Path, Namespace: NamespaceLine().Match(f.Text).Groups[1].Value, Code: Strings().Replace(Comments().Replace(f.Text, ""), "\"\"")))
            .Where(f => f.Namespace.Length > 0)
            .ToList();
        var owner = new Dictionary<string, (string Namespace, bool Public)>();
        foreach (var f in files)
        {
            foreach (Match m in TopLevelType().Matches(f.Code)) owner.TryAdd(m.Groups[2].Value, (f.Namespace, m.Groups[1].Value == "public"));
        }
        var segments = files.SelectMany(f => f.Namespace.Split('.')).ToHashSet(StringComparer.Ordinal);
        var edges = new List<(string, string, string, bool)>();
        foreach (var f in files)
        {
            foreach (var name in TypeUses(f.Code, segments))
            {
                if (!owner.TryGetValue(name, out var type) || type.Namespace == f.Namespace) continue;
                edges.Add((f.Namespace, type.Namespace, $"{Path.GetFileName(f.Path)}: {name}", type.Public));
            }
        }
        return edges;
    }

    /// <summary>The capitalised names in type positions of <paramref name="code"/>, and those behind a namespace's segment (<c>Nginx.NginxProxy</c>).</summary>
    private static List<string> TypeUses(string code, IReadOnlyCollection<string> namespaceSegments)
    {
        var names = TypeUse().Matches(code).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Groups[3].Value).ToList();
        var qualified = new Regex($@"(?<=\b(?:{string.Join("|", namespaceSegments.Select(Regex.Escape))})\.)([A-Z]\w*)");
        names.AddRange(qualified.Matches(code).Select(m => m.Groups[1].Value));
        return names;
    }

    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"//.*")]
    private static partial Regex Comments();

    [GeneratedRegex(@"\$?@?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex Strings();

    [GeneratedRegex(@"^(public|internal)(?: (?:sealed|static|abstract|partial|readonly))* (?:class|record|enum|interface|struct) (\w+)", RegexOptions.Multiline)]
    private static partial Regex TopLevelType();

    /// <summary>
    /// A capitalised name not reached through a member access, followed by a dot, a generic or nullable mark, an array, or
    /// a declared name; or after new, is, as, typeof, a colon (a base list); or qualified by a lab namespace (Sockets.Native).
    /// </summary>
    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)(?=\s*[.?<\[]|\s+[a-z_@]\w*\s*[=;,)({]|\s+[a-z_]\w*$)|(?<=(?:\bnew|\bis|\bas|typeof\(|:)\s*)([A-Z]\w*)|(?<=\b(?:Parts\.\w+|Sockets|Events|Runtimes|Clients|Scenarios|Checks|Reports)\.)([A-Z]\w*)", RegexOptions.Multiline)]
    private static partial Regex TypeUse();
}
