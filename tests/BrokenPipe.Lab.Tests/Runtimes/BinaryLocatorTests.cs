using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Runtimes;

/// <summary>Lookups that never reach the install step (tests that change the environment are in <see cref="BinaryLocatorEnvironmentTests"/>).</summary>
public sealed class BinaryLocatorTests
{
    private static readonly ServerProgram Missing = new("no-such-server-xyz", "no-such-pkg", "x", "x", []);

    [Fact]
    public void Find_Nginx_FindsUsrSbinNginx()
    {
        var found = BinaryLocator.Find(NginxProgram.Descriptor);

        Assert.NotNull(found);
        Assert.Equal("/usr/sbin/nginx", RealPath(found));
    }

    [Fact]
    public void Find_NotOnPath_FallsBackToTheCandidates()
    {
        var found = BinaryLocator.Find(Missing with { Candidates = ["/no/such/dir/srv", "/bin/true"] });

        Assert.Equal("/bin/true", found);
    }

    [Fact]
    public void Find_NowhereAtAll_IsNull()
    {
        Assert.Null(BinaryLocator.Find(Missing with { Candidates = ["/no/such/dir/srv"] }));
    }

    [Fact]
    public async Task LocateAsync_Nginx_FindsItWithoutInstalling()
    {
        var said = new List<string>();

        var path = await BinaryLocator.LocateAsync(NginxProgram.Descriptor, say: said.Add).WaitAsync(Bound.Wait);

        Assert.Equal("/usr/sbin/nginx", RealPath(path));
        Assert.Empty(said);
    }

    [Fact]
    public async Task LocateAsync_ExplicitPathThatDoesNotExist_ThrowsNamingThePath()
    {
        const string path = "/no/such/dir/nginx";

        var e = await Assert.ThrowsAsync<RuntimeMissingException>(() => BinaryLocator.LocateAsync(NginxProgram.Descriptor, path));

        Assert.Contains(path, e.Message);
        Assert.StartsWith("nginx:", e.Message);
    }

    [Fact]
    public async Task LocateAsync_ExplicitPathNotExecutable_Throws()
    {
        var file = Path.GetTempFileName();
        try
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            var e = await Assert.ThrowsAsync<RuntimeMissingException>(() => BinaryLocator.LocateAsync(NginxProgram.Descriptor, file));

            Assert.Contains(file, e.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task LocateAsync_ExplicitExecutable_IsUsedEvenForAnotherProgram()
    {
        var path = await BinaryLocator.LocateAsync(Missing, "/bin/true");

        Assert.Equal("/bin/true", path);
    }

    /// <summary>The path with every symlink on it resolved (/sbin is a link to usr/sbin on merged-usr systems).</summary>
    private static string RealPath(string path)
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(path)!);
        var real = dir.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? dir.FullName;
        var file = new FileInfo(Path.Combine(real, Path.GetFileName(path)));
        return file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? file.FullName;
    }
}
