using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// The two packages install from a local folder the way .NET users take a library and a tool: the lab into a fresh
/// test project that runs the README's example, the CLI into a fresh tool path whose <c>brokenpipe-lab list</c> works.
/// Offline: the local folder, and the machine's package cache (as a fallback folder) or its package source for the
/// dependencies. CI packs once (<c>BROKENPIPE_LAB_PACKAGES</c> names the folder); otherwise the test packs what the
/// solution's build left, with a version of its own so that no cached package of the same version can stand in.
/// </summary>
[Collection(nameof(PackageTests))]
public sealed class PackageTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(4);

    [Fact]
    [Trait("Category", "Package")]
    public async Task Packages_InstalledFromALocalFolder_RunTheReadmeExampleAndTheToolsList()
    {
        var root = Path.Combine(Path.GetTempPath(), "brokenpipe-lab-packages-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        try
        {
            var (feed, version) = await PackagesAsync(root);
            var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "nuget"), ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
            var config = Path.Combine(root, "nuget.config");
            await File.WriteAllTextAsync(config, NuGetConfig(feed));

            // The library: a team's fresh xunit project with the README's example in it.
            var project = Path.Combine(root, "team-tests");
            Directory.CreateDirectory(project);
            await File.WriteAllTextAsync(Path.Combine(project, "TeamTests.csproj"), TestProject(version));
            await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), NuGetConfig(feed));
            File.Copy(RepoFiles.InRepo("docs", "examples", "ReadmeExample.cs"), Path.Combine(project, "ReadmeExample.cs"));
            var (code, output) = await Command.RunAsync("dotnet", ["test", project], environment: env, timeout: Step);
            Assert.True(code == 0, output);
            Assert.Contains("Passed!", output);

            // The tool: a fresh tool path.
            var tools = Path.Combine(root, "tools");
            (code, output) = await Command.RunAsync("dotnet", ["tool", "install", "BrokenPipe.Lab.Cli", "--version", version, "--tool-path", tools, "--configfile", config], environment: env, timeout: Step);
            Assert.True(code == 0, output);
            (code, output) = await Command.RunAsync(Path.Combine(tools, "brokenpipe-lab"), ["list"], environment: env, timeout: Step);
            Assert.True(code == 0, output);
            Assert.Contains(ScenarioIds.FinVsRst, output);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The folder with both packages, and their version.</summary>
    private static async Task<(string Feed, string Version)> PackagesAsync(string root)
    {
        if (Environment.GetEnvironmentVariable("BROKENPIPE_LAB_PACKAGES") is { Length: > 0 } ci)
        {
            var lab = Directory.GetFiles(ci, "BrokenPipe.Lab.*.nupkg").Select(Path.GetFileNameWithoutExtension).Single(n => !n!.StartsWith("BrokenPipe.Lab.Cli.", StringComparison.Ordinal))!;
            return (ci, lab["BrokenPipe.Lab.".Length..]);
        }
        var feed = Path.Combine(root, "feed");
        var version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}";
        // The solution's build is there already (the test runs on it): pack it as it is, in the configuration this test was built in.
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        foreach (var csproj in new[] { RepoFiles.InRepo("lab", "BrokenPipe.Lab.csproj"), RepoFiles.InRepo("scenarios", "BrokenPipe.Scenarios.csproj") })
        {
            var (code, output) = await Command.RunAsync("dotnet", ["pack", csproj, "--no-build", "-c", configuration, "-o", feed, $"-p:PackageVersion={version}"], timeout: Step);
            Assert.True(code == 0, output);
        }
        return (feed, version);
    }

    private static string NuGetConfig(string feed) =>
        $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="local" value="{feed}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
          <fallbackPackageFolders>
            <add key="cache" value="{Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages")}" />
          </fallbackPackageFolders>
        </configuration>
        """;

    private static string TestProject(string version) =>
        $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <IsPackable>false</IsPackable>
          </PropertyGroup>
          <ItemGroup>
            <PackageReference Include="BrokenPipe.Lab" Version="{version}" />
            <PackageReference Include="Microsoft.NET.Test.Sdk" Version="18.0.1" />
            <PackageReference Include="xunit" Version="2.9.3" />
            <PackageReference Include="xunit.runner.visualstudio" Version="3.1.5" />
          </ItemGroup>
          <ItemGroup>
            <Using Include="Xunit" />
          </ItemGroup>
        </Project>
        """;
}
