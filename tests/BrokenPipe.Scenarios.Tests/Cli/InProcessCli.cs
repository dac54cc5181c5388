using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>The CLI run in this process on the catalog, its exit code and both streams captured whole.</summary>
internal static class InProcessCli
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await new CliApp(stdout, stderr, Catalog.All).RunAsync(args);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
