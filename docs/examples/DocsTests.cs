using System.Text.RegularExpressions;

namespace MyTeam.Tests;

/// <summary>The docs' snippets are this project's files, and the docs' links lead somewhere in any clone.</summary>
public partial class DocsTests
{
    public static TheoryData<string> Pages => ["README.md", "docs/api.md", "docs/architecture.md", "docs/scenarios.md", "nginx/README.md", "bench/README.md"];

    /// <summary>The pages whose snippets live here (nginx/README.md's is compiled by the scenario tests, next to the check it runs).</summary>
    public static TheoryData<string> SnippetPages => ["README.md", "docs/api.md", "docs/architecture.md", "docs/scenarios.md"];

    [Theory]
    [MemberData(nameof(SnippetPages))]
    public void CSharpSnippets_OfAPage_AreCompiledExampleFiles(string page)
    {
        var examples = Directory.GetFiles(Repo("docs", "examples"), "*.cs").Select(f => Normalize(File.ReadAllText(f))).ToHashSet();

        foreach (Match block in CSharpBlock().Matches(Read(page)))
        {
            var code = Normalize(block.Groups[1].Value);
            if (code.Contains("[Fact]", StringComparison.Ordinal) || code.StartsWith("using ", StringComparison.Ordinal))
            {
                Assert.True(examples.Contains(code), $"a C# snippet of {page} is not a file of docs/examples (copy it there, or make them equal):\n{code}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Pages))]
    public void RelativeLinks_OfAPage_LeadToFilesOfTheRepository(string page)
    {
        var dir = Path.GetDirectoryName(Repo(page.Split('/')))!;
        foreach (Match link in Link().Matches(Read(page)))
        {
            var target = link.Groups[1].Value;
            if (target.StartsWith("http", StringComparison.Ordinal) || target.StartsWith('#')) continue;
            var path = Path.GetFullPath(Path.Combine(dir, target.Split('#')[0]));
            Assert.True(path.StartsWith(Repo(), StringComparison.Ordinal) && (File.Exists(path) || Directory.Exists(path)), $"{page} links to {target}, which is not in the repository");
        }
    }

    private static string Read(string page) => File.ReadAllText(Repo(page.Split('/')));

    private static string Normalize(string code) => code.ReplaceLineEndings("\n").Trim();

    private static string Repo(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BrokenPipe.Lab.sln"))) return Path.Combine([dir.FullName, .. parts]);
        }
        throw new FileNotFoundException($"the repository root (BrokenPipe.Lab.sln) not found above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"```csharp\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();
}
