using System.Security.Cryptography;
using System.Text;

namespace BrokenPipe.Lab.Parts.Upstreams;

/// <summary>
/// Built programs, kept between runs in this user's run root (<c>cache/KEY-HASH</c>), by a hash of their source and
/// the toolchain that built them: a source or toolchain change builds again, nothing else does. A build goes into a
/// directory of its own and is renamed into place, so two labs building at once never see half a build.
/// </summary>
internal static class ProgramCache
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>The cache's root (the reaper leaves it alone: its name is not a run dir's).</summary>
    public static string Root => Path.Combine(LabSandbox.TempRoot, "cache");

    /// <summary>The directory holding <paramref name="key"/>'s build of <paramref name="source"/> by <paramref name="tool"/>, built now by <paramref name="buildAsync"/> (into the directory it is given) when it is not there yet.</summary>
    public static async Task<string> EnsureAsync(string key, string source, string tool, Func<string, CancellationToken, Task> buildAsync, CancellationToken cancellationToken)
    {
        var stamp = $"{source}\n{tool}\n{File.GetLastWriteTimeUtc(tool):O}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stamp)))[..16];
        var dir = Path.Combine(Root, $"{key}-{hash}");
        if (Directory.Exists(dir)) return dir;
        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Directory.Exists(dir)) return dir;
            Directory.CreateDirectory(Root);
            var building = $"{dir}.building-{Environment.ProcessId}-{Guid.NewGuid():N}";
            Directory.CreateDirectory(building);
            try
            {
                await buildAsync(building, cancellationToken).ConfigureAwait(false);
                Directory.Move(building, dir);
            }
            catch (IOException) when (Directory.Exists(dir))
            {
                // Another process finished the same build first: its copy is as good.
            }
            finally
            {
                if (Directory.Exists(building)) Directory.Delete(building, recursive: true);
            }
            return dir;
        }
        finally
        {
            Gate.Release();
        }
    }
}
