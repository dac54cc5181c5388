namespace BrokenPipe.Scenarios.Tests;

/// <summary>Files of the repository (nginx/examples, …), found from the test's output dir upwards.</summary>
public static class RepoFiles
{
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
