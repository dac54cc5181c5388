namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>An nginx config template written to its own temp file for one test, removed on dispose; and the repository's files.</summary>
internal sealed class ConfigFile : IDisposable
{
    private readonly string _dir;

    private ConfigFile(string dir, string path)
    {
        _dir = dir;
        Path = path;
    }

    public string Path { get; }

    public static ConfigFile Write(string text)
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"brokenpipe-lab-test-config-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var path = System.IO.Path.Combine(dir, "proxy.conf");
        File.WriteAllText(path, text);
        return new ConfigFile(dir, path);
    }

    /// <summary>A bare server block proxying everything to {{upstream}}, with <paramref name="locationExtra"/> inside its location.</summary>
    public static ConfigFile Fragment(string locationExtra = "") => Write($$$"""
        server {
            listen {{listen}};

            location / {
                proxy_pass http://{{upstream}};
                {{{locationExtra}}}
            }
        }
        """);

    /// <summary>A file of the repository (found by walking up from the test binaries to the solution file).</summary>
    public static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "BrokenPipe.Lab.sln"))) return System.IO.Path.Combine(dir.FullName, relative);
        }
        throw new InvalidOperationException($"no BrokenPipe.Lab.sln above {AppContext.BaseDirectory}");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
