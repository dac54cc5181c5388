namespace BrokenPipe.Scenarios.Tests;

/// <summary>Files of the repository (nginx/examples, …), found from the test's output dir upwards.</summary>
public static class RepoFiles
{
    /// <summary>A path in the repository: its root is the first folder above the test's output dir that holds BrokenPipe.Lab.sln.</summary>
    public static string InRepo(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "BrokenPipe.Lab.sln"))) return Path.Combine([dir.FullName, .. parts]);
        }
        throw new FileNotFoundException($"the repository root (BrokenPipe.Lab.sln) not found above {AppContext.BaseDirectory}");
    }

    public static string NginxExample(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "nginx", "examples", name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"nginx/examples/{name} not found above {AppContext.BaseDirectory}");
    }
}
