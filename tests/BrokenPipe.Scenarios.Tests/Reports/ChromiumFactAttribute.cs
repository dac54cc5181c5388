using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Tests.Reports;

/// <summary>A fact that needs chromium: skipped, with the reason, where it is missing and the lab cannot install it (not root, no apt-get).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Unavailable is { } reason) Skip = reason;
    }

    /// <summary>Why no browser test can run here, or null.</summary>
    public static string? Unavailable =>
        BinaryLocator.Find(ServerProgram.Chromium) is not null || (Environment.IsPrivilegedProcess && File.Exists("/usr/bin/apt-get") && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(BinaryLocator.NoInstallVariable)))
            ? null
            : $"chromium is missing and this process cannot install it (needs root and apt-get): {ServerProgram.Chromium.InstallHint}";
}
