using BrokenPipe.Scenarios.Cli;
using Spectre.Console.Testing;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>The catalog in a terminal draws a progress bar and a table (into the console it is given); without one it prints plain lines.</summary>
public sealed class TerminalProgressTests
{
    private static readonly IReadOnlyList<Scenario> OneScenario = [Catalog.Find(ScenarioIds.FinVsRst)!];

    [Fact]
    public async Task Catalog_InATerminal_DrawsTheTableIntoTheConsole_AndNoPlainLines()
    {
        var console = new TestConsole().Width(140).Interactive();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await new CliApp(stdout, stderr, OneScenario, console).RunAsync([]);

        Assert.Equal(0, code);
        var drawn = console.Output;
        Assert.Contains("fin-vs-rst", drawn);
        Assert.Contains("│ broken", drawn);
        Assert.Contains("MET", drawn);
        Assert.Contains("2 of 2 runs met their expectation.", drawn);
        Assert.Contains("2 runs done", drawn);
        Assert.Equal("", stdout.ToString());
        Assert.DoesNotContain("[1/2]", stderr.ToString());
    }

    [Fact]
    public async Task Catalog_WithoutATerminal_PrintsPlainProgressLinesAndThePlainTable()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var code = await new CliApp(stdout, stderr, OneScenario).RunAsync([]);

        Assert.Equal(0, code);
        Assert.Matches(@"\[[12]/2\] fin-vs-rst broken: MET", stderr.ToString());
        Assert.Matches(@"\[[12]/2\] fin-vs-rst fixed: MET", stderr.ToString());
        Assert.StartsWith("scenario    variant  verdict", stdout.ToString());
        Assert.Contains("2 of 2 runs met their expectation.", stdout.ToString());
    }
}
