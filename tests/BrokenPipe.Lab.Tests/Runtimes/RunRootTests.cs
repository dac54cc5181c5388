using BrokenPipe.Lab.Runtimes;
using System.Net.Sockets;

namespace BrokenPipe.Lab.Tests.Runtimes;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RunRootTests
{
    [Fact]
    public async Task TempRoot_ALabRan_IsThisUsersOwnAndOnlyTheOwnerMayEnter()
    {
        await using var lab = new LabSandbox("run-root");

        Assert.Equal(Path.GetTempPath(), Path.GetDirectoryName(LabSandbox.TempRoot) + "/");
        Assert.Matches(@"^brokenpipe-lab-\d+$", Path.GetFileName(LabSandbox.TempRoot));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(LabSandbox.TempRoot));
    }

    [Fact]
    public void Ensure_APathThroughAFile_ThrowsOneSentenceSayingWhatToDo()
    {
        var file = Path.Combine(Path.GetTempPath(), $"brokenpipe-lab-test-file-{Guid.NewGuid():N}");
        File.WriteAllText(file, "");
        try
        {
            var e = Assert.Throws<UnauthorizedAccessException>(() => RunRoot.Ensure(Path.Combine(file, "root")));

            Assert.Contains($"the lab cannot use its run directory {file}/root", e.Message, StringComparison.Ordinal);
            Assert.EndsWith("remove it, or set TMPDIR to a directory of your own", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Ensure_AnExistingDirWithAWiderMode_IsNarrowedTo0700()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"brokenpipe-lab-test-root-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.SetUnixFileMode(dir, (UnixFileMode)Convert.ToInt32("777", 8));

            RunRoot.Ensure(dir);

            Assert.Equal((UnixFileMode)Convert.ToInt32("700", 8), File.GetUnixFileMode(dir));
        }
        finally
        {
            Directory.Delete(dir);
        }
    }

    [Fact]
    public void DockerPermissionDenied_EaccesOnTheSocket_NamesItWithTheFix()
    {
        var refused = new HttpRequestException("connect failed", new SocketException((int)SocketError.AccessDenied));

        var line = DockerEngine.PermissionDenied(refused);

        Assert.NotNull(line);
        Assert.StartsWith($"permission denied on {(DockerEngine.Endpoint.Scheme == "unix" ? DockerEngine.Endpoint.AbsolutePath : DockerEngine.Endpoint.ToString())}", line, StringComparison.Ordinal);
        Assert.Contains("add the user to the docker group", line, StringComparison.Ordinal);
        Assert.Null(DockerEngine.PermissionDenied(new HttpRequestException("connect failed", new SocketException((int)SocketError.ConnectionRefused))));
    }

    [Fact]
    public void LabCommand_InAClone_IsDotnetRunAndElsewhereTheTool()
    {
        var clone = Path.Combine(Path.GetTempPath(), $"brokenpipe-lab-test-clone-{Guid.NewGuid():N}");
        var output = Path.Combine(clone, "tests", "X", "bin", "Debug", "net10.0");
        Directory.CreateDirectory(output);
        Directory.CreateDirectory(Path.Combine(clone, "scenarios"));
        File.WriteAllText(Path.Combine(clone, "scenarios", "BrokenPipe.Scenarios.csproj"), "<Project />");
        var tools = Path.Combine(Path.GetTempPath(), $"brokenpipe-lab-test-tool-{Guid.NewGuid():N}");
        var tool = Path.Combine(tools, ".store", "brokenpipe.lab.cli", "1.0.0", "tools", "net10.0", "any");
        Directory.CreateDirectory(tool);
        try
        {
            Assert.Equal("dotnet run --project scenarios --", LabCommand.For(output));
            Assert.Equal("brokenpipe-lab", LabCommand.For(tool));
        }
        finally
        {
            Directory.Delete(clone, recursive: true);
            Directory.Delete(tools, recursive: true);
        }
    }
}
