using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>--html for run and for the bare catalog: one self-contained page that links every run; the README shows its picture.</summary>
public sealed class HtmlOptionTests
{
    [Theory]
    [InlineData("run", ScenarioIds.FinVsRst, "--html")]
    [InlineData("--html")]
    public async Task Html_RunOrCatalog_WritesOneSelfContainedPageLinkingEveryRun(params string[] args)
    {
        var path = Path.Combine(Path.GetTempPath(), $"brokenpipe-html-{Guid.NewGuid():N}.html");
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var code = await new CliApp(stdout, stderr, [Catalog.Find(ScenarioIds.FinVsRst)!]).RunAsync([.. args, path]);

            Assert.Equal(0, code);
            var html = await File.ReadAllTextAsync(path);
            Assert.Contains("href=\"#run-fin-vs-rst-broken\"", html);
            Assert.Contains("href=\"#run-fin-vs-rst-fixed\"", html);
            Assert.Contains("id=\"run-fin-vs-rst-broken\"", html);
            Assert.Equal(2, html.Split("<svg ").Length - 1);
            Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
            Assert.DoesNotContain("https://", html);
            Assert.DoesNotContain("<script", html);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("run", ScenarioIds.FinVsRst, "--html", "/no/such/dir/report.html")]
    [InlineData("--html", "/no/such/dir/report.html")]
    [InlineData("--html")]
    [InlineData("--frobnicate")]
    public async Task Html_BadPath_OneLineOnStderrAndExitCode2_BeforeAnyRun(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await new CliApp(stdout, stderr, Catalog.All).RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith("error: ", Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public void Readme_ShowsTheDiagramScreenshot_AndTheFileExists()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "README.md"))) root = root.Parent;
        Assert.NotNull(root);
        Assert.Contains("](docs/images/sequence-diagram.png)", File.ReadAllText(Path.Combine(root.FullName, "README.md")));
        Assert.True(new FileInfo(Path.Combine(root.FullName, "docs", "images", "sequence-diagram.png")).Length > 10_000);
    }
}
