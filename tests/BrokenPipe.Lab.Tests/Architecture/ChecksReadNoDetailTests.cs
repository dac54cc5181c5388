using System.Text.RegularExpressions;
using BrokenPipe.Lab.Tests.Docs;
using Xunit.Abstractions;

namespace BrokenPipe.Lab.Tests.Architecture;

/// <summary>
/// Checks match on event kinds and typed fields, never on the text of <see cref="LabEvent.Detail"/>: that is the lab's
/// sentence for people, free to be reworded, and a check that reads it breaks silently when it is. Read from the sources
/// of the catalog (scenarios/) and of lab/Scenarios: any read of Detail outside a comment fails, with its file and line.
/// Where a check needs something only the text says, add a typed field to <see cref="LabEvent"/> where it is recorded.
/// </summary>
public sealed partial class ChecksReadNoDetailTests(ITestOutputHelper output)
{
    /// <summary>
    /// Files not migrated yet, each with why. When one no longer reads Detail its line is reported, not failed, so that
    /// concurrent work can land in any order: then delete the line.
    /// </summary>
    private static readonly Dictionary<string, string> NotYetMigrated = new()
    {
    };

    [Fact]
    public void Checks_InScenariosAndLabScenarios_ReadNoDetail()
    {
        var reads = Sources()
            .Where(f => !NotYetMigrated.ContainsKey(f.Name))
            .SelectMany(f => DetailReads(f.Text).Select(line => $"{f.Name}:{line}"))
            .ToList();

        Assert.True(reads.Count == 0, "checks that read LabEvent.Detail (match on kinds and typed fields instead):\n" + string.Join("\n", reads));
    }

    [Fact]
    public void NotYetMigrated_Files_StillExistAndReadDetail()
    {
        var sources = Sources().ToDictionary(f => f.Name, f => f.Text);
        foreach (var name in NotYetMigrated.Keys.Where(n => !sources.TryGetValue(n, out var text) || DetailReads(text).Count == 0))
        {
            output.WriteLine($"{name} no longer reads Detail: delete its line from {nameof(NotYetMigrated)}");
        }
    }

    [Theory]
    [InlineData("e => e.Detail.Contains(\"x\", StringComparison.Ordinal)", 1)]
    [InlineData("e => e is { Kind: EventKind.Note, Detail: var d } && d.Length > 0", 1)]
    [InlineData("var text = $\"{e.Detail}\";", 1)]
    [InlineData("Regex.Match(snapshot.Detail, \"run_id\")", 1)]
    [InlineData("// e.Detail is for people\n/// <see cref=\"LabEvent.Detail\"/>", 0)]
    [InlineData("e => e.Redis?.Field(\"cmd\") == \"hgetall\" && e.Verbatim is not null", 0)]
    [InlineData("lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.Note, \"x\") { Actor = \"a\" })", 0)]
    public void DetailReads_Source_FindsEveryRead(string source, int expected) => Assert.Equal(expected, DetailReads(source).Count);

    /// <summary>The 1-based lines of <paramref name="source"/> that read Detail: a member access or a property pattern.</summary>
    private static List<int> DetailReads(string source)
    {
        var code = Comments().Replace(source.ReplaceLineEndings("\n"), "");
        return [.. DetailRead().Matches(code).Select(m => code.AsSpan(0, m.Index).Count('\n') + 1).Distinct()];
    }

    private static IEnumerable<(string Name, string Text)> Sources()
    {
        var root = ApiReferenceTests.RepoFile();
        return new[] { ApiReferenceTests.RepoFile("scenarios"), ApiReferenceTests.RepoFile("lab", "Scenarios") }
            .SelectMany(dir => Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllText(f)));
    }

    // A comment to the end of its line (a URL in a string, "http://…", is cut too: it holds no Detail read).
    [GeneratedRegex(@"//.*")]
    private static partial Regex Comments();

    // ".Detail" (e.Detail, e?.Detail), or "Detail:" in a property pattern ({ Detail: … }), but not "Detail::" nor a longer name.
    [GeneratedRegex(@"\??\.Detail\b|(?<=[{,]\s*)Detail\s*:(?!:)")]
    private static partial Regex DetailRead();
}
