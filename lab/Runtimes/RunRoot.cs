using System.Globalization;
using System.Runtime.InteropServices;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// The directory that holds this user's run dirs: <c>$TMPDIR/brokenpipe-lab-UID</c> (<see cref="Path.GetTempPath"/>
/// honours TMPDIR), mode 0700. One per user, so that a dir root left behind never stands in a normal user's way, and
/// the reaper only ever sees its own user's dirs.
/// </summary>
internal static partial class RunRoot
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    /// <summary>This user's root of run dirs (not created here: <see cref="Ensure"/> does).</summary>
    public static string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"brokenpipe-lab-{GetEuid().ToString(CultureInfo.InvariantCulture)}");

    /// <summary>
    /// Creates <paramref name="root"/> (mode 0700) if needed and makes sure it is this user's; throws
    /// <see cref="UnauthorizedAccessException"/> with one sentence that says whose it is and what to do when it is not.
    /// </summary>
    public static void Ensure(string root)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root); // The lab runs on Linux; this keeps the analyzers' platform check honest.
            return;
        }
        try
        {
            Directory.CreateDirectory(root, OwnerOnly);
            // Only the owner (or root) may chmod: a dir of the same name made by another user fails here, not later.
            if (File.GetUnixFileMode(root) != OwnerOnly) File.SetUnixFileMode(root, OwnerOnly);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new UnauthorizedAccessException(
                $"the lab cannot use its run directory {root} ({e.Message}): it belongs to another user or is not writable; remove it, or set TMPDIR to a directory of your own",
                e);
        }
    }
}
