namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// Finds a server program: an explicit path, then PATH, then the usual places. When it is missing and the process
/// runs as root on a machine with apt-get, it installs the Debian package and says so in one line
/// (<c>BROKENPIPE_LAB_NO_INSTALL=1</c> turns that off). Otherwise it fails with the install command of each platform.
/// </summary>
internal static class BinaryLocator
{
    /// <summary>Set (to anything but 0 or empty) to forbid the lab from installing packages.</summary>
    public const string NoInstallVariable = "BROKENPIPE_LAB_NO_INSTALL";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    public static async Task<string> LocateAsync(ServerProgram program, string? explicitPath = null, Action<string>? say = null, CancellationToken cancellationToken = default)
    {
        if (explicitPath is not null)
        {
            return IsExecutable(explicitPath) ? Path.GetFullPath(explicitPath) : throw new RuntimeMissingException($"{program.Name}: no executable at the given path {explicitPath}.");
        }
        if (Find(program) is { } found) return found;
        if (!CanInstall()) throw new RuntimeMissingException(program.InstallHint);

        await InstallGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find(program) is { } raced) return raced;
            (say ?? Console.Error.WriteLine)($"{program.Name} not found: installing the Debian package {program.DebianPackage} with apt-get ({NoInstallVariable}=1 turns this off)");
            var install = await AptAsync(["install", "-y", "-q", program.DebianPackage], cancellationToken).ConfigureAwait(false);
            if (install.Code != 0)
            {
                // A fresh machine has no package lists yet.
                await AptAsync(["update", "-q"], cancellationToken).ConfigureAwait(false);
                install = await AptAsync(["install", "-y", "-q", program.DebianPackage], cancellationToken).ConfigureAwait(false);
            }
            return Find(program) ?? throw new RuntimeMissingException($"{program.InstallHint} (apt-get install {program.DebianPackage} failed: {LastLine(install.Output)})");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>PATH first, then the program's usual places.</summary>
    public static string? Find(ServerProgram program)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program.Name);
            if (IsExecutable(candidate)) return candidate;
        }
        return program.Candidates.FirstOrDefault(IsExecutable);
    }

    public static bool CanInstall()
    {
        var off = Environment.GetEnvironmentVariable(NoInstallVariable);
        return string.IsNullOrEmpty(off) || off == "0"
            ? Environment.IsPrivilegedProcess && File.Exists("/usr/bin/apt-get")
            : false;
    }

    private static bool IsExecutable(string path) =>
        !OperatingSystem.IsWindows() && File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private static Task<(int Code, string Output)> AptAsync(IReadOnlyList<string> args, CancellationToken cancellationToken) =>
        // Wait for another apt (a parallel test process) instead of failing on its lock.
        Command.RunAsync(
            "/usr/bin/apt-get",
            ["-o", "DPkg::Lock::Timeout=300", .. args],
            environment: new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" },
            timeout: TimeSpan.FromMinutes(10),
            cancellationToken: cancellationToken);

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";
}
