using System.Xml.Linq;

namespace BrokenPipe.Lab.Tests.Docs;

/// <summary>docs/api.md's reference part is generated from the code; these tests keep it so.</summary>
public sealed class ApiReferenceTests
{
    private const string Start = "<!-- generated: the reference below is written by tests/BrokenPipe.Lab.Tests/Docs; do not edit by hand -->";
    private const string End = "<!-- end of generated reference -->";

    [Fact]
    public void PublicTypes_EachHasASummary()
    {
        var members = Docs().Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m);

        var missing = ApiReference.PublicTypes(typeof(LabSandbox).Assembly).Where(t => ApiReference.Summary(t, members) is null).Select(t => t.FullName).ToList();

        Assert.True(missing.Count == 0, "public types without a <summary>: " + string.Join(", ", missing));
    }

    /// <summary>
    /// Fails when docs/api.md's generated part differs from the code. To regenerate it:
    /// <c>BROKENPIPE_LAB_WRITE_DOCS=1 dotnet test tests/BrokenPipe.Lab.Tests --filter ApiReferenceTests</c>.
    /// </summary>
    [Fact]
    public void ApiMd_GeneratedReference_MatchesTheCode()
    {
        var path = RepoFile("docs", "api.md");
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        var start = text.IndexOf(Start, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/api.md lacks the markers of its generated part ({Start} … {End})");
        var generated = ApiReference.Render(typeof(LabSandbox).Assembly, Docs());
        var current = text[(start + Start.Length)..end];
        if (current == generated + "\n") return;
        if (Environment.GetEnvironmentVariable("BROKENPIPE_LAB_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..(start + Start.Length)] + generated + "\n" + text[end..]);
            return;
        }
        Assert.Fail("docs/api.md is out of date with the code: run BROKENPIPE_LAB_WRITE_DOCS=1 dotnet test tests/BrokenPipe.Lab.Tests --filter ApiReferenceTests");
    }

    private static XDocument Docs() => XDocument.Load(Path.ChangeExtension(typeof(LabSandbox).Assembly.Location, ".xml"));

    internal static string RepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BrokenPipe.Lab.sln"))) return Path.Combine([dir.FullName, .. parts]);
        }
        throw new FileNotFoundException($"the repository root (BrokenPipe.Lab.sln) not found above {AppContext.BaseDirectory}");
    }
}
