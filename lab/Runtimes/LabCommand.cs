namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// The lab's command line as it can be typed where this process runs, for hints ("build local images with … images
/// build"): <c>dotnet run --project scenarios --</c> only in a clone of the repository (the CLI or a test run from
/// its build output), <c>brokenpipe-lab</c> everywhere else — the .NET tool, and the library used from a user's own
/// project, whose user gets the command by installing the tool.
/// </summary>
internal static class LabCommand
{
    /// <summary>The tool's command name (ToolCommandName of the CLI package).</summary>
    public const string Tool = "brokenpipe-lab";

    private const string Clone = "dotnet run --project scenarios --";

    /// <summary>The command prefix for this process: "dotnet run --project scenarios --" in a clone, else "brokenpipe-lab".</summary>
    public static string Prefix { get; } = For(AppContext.BaseDirectory);

    /// <summary>The prefix for a process whose binaries are in <paramref name="baseDirectory"/>.</summary>
    internal static string For(string baseDirectory) => CloneRoot(baseDirectory) is null ? Tool : Clone;

    /// <summary>
    /// The clone the binaries were built in: the nearest ancestor (up to 6 levels: scenarios/bin/Debug/net10.0,
    /// tests/X/bin/Debug/net10.0) holding scenarios/BrokenPipe.Scenarios.csproj; null for an installed tool or package.
    /// </summary>
    private static string? CloneRoot(string baseDirectory)
    {
        var dir = new DirectoryInfo(baseDirectory);
        for (var i = 0; i < 6 && dir is not null; i++, dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scenarios", "BrokenPipe.Scenarios.csproj"))) return dir.FullName;
        }
        return null;
    }
}
