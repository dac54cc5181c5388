using System.Globalization;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// A memory limit for processes the lab started: a child of the lab's own memory cgroup (cgroup v1's memory hierarchy,
/// memory.limit_in_bytes; or cgroup v2's memory.max where the memory controller is there), named
/// brokenpipe-lab-PID-NAME. Past the limit the kernel's OOM killer kills the biggest process inside and writes
/// "Memory cgroup out of memory: Killed process N (…)" to its log. Removed on dispose; an empty leftover of a
/// crashed run is removed by the next one. Needs root.
/// </summary>
internal sealed class MemoryCgroup : IAsyncDisposable
{
    private const string V1Root = "/sys/fs/cgroup/memory";
    private const string V2Root = "/sys/fs/cgroup";
    private const string Prefix = "brokenpipe-lab-";

    private MemoryCgroup(string path, bool v2)
    {
        Path = path;
        IsV2 = v2;
    }

    /// <summary>The cgroup's directory.</summary>
    public string Path { get; }

    /// <summary>cgroup v2 (memory.max) rather than v1 (memory.limit_in_bytes).</summary>
    public bool IsV2 { get; }

    /// <summary>Why this machine cannot give the lab a memory cgroup (not root, no memory controller), or null.</summary>
    public static string? Unavailable { get; } = Probe();

    /// <summary>Creates the cgroup with its limit (bytes).</summary>
    public static MemoryCgroup Create(string name, long limitBytes)
    {
        if (Unavailable is { } why) throw new RuntimeMissingException(why);
        var (parent, v2) = Parent()!.Value;
        RemoveLeftovers(parent);
        var path = System.IO.Path.Combine(parent, $"{Prefix}{Environment.ProcessId}-{name}");
        Directory.CreateDirectory(path);
        File.WriteAllText(System.IO.Path.Combine(path, v2 ? "memory.max" : "memory.limit_in_bytes"), limitBytes.ToString(CultureInfo.InvariantCulture));
        return new MemoryCgroup(path, v2);
    }

    /// <summary>Moves <paramref name="pid"/> and every process below it into the cgroup (their new memory counts against the limit); returns their PIDs.</summary>
    public IReadOnlyList<int> Add(int pid)
    {
        var pids = Tree(pid).ToList();
        foreach (var p in pids) File.WriteAllText(System.IO.Path.Combine(Path, "cgroup.procs"), p.ToString(CultureInfo.InvariantCulture));
        return pids;
    }

    /// <summary>The cgroup's "name value" lines of memory.oom_control (v1) or memory.events (v2): oom_kill N among them.</summary>
    public string OomCounters() => File.ReadAllText(System.IO.Path.Combine(Path, IsV2 ? "memory.events" : "memory.oom_control")).ReplaceLineEndings(", ").TrimEnd(',', ' ');

    public async ValueTask DisposeAsync()
    {
        // A cgroup can be removed once its processes are gone; the killed ones may take a moment to be reaped.
        for (var i = 0; i < 50 && Directory.Exists(Path); i++)
        {
            try
            {
                Directory.Delete(Path);
            }
            catch (IOException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100)).ConfigureAwait(false);
            }
        }
    }

    private static IEnumerable<int> Tree(int pid)
    {
        yield return pid;
        var children = $"/proc/{pid}/task/{pid}/children";
        if (!File.Exists(children)) yield break;
        foreach (var child in File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var p in Tree(int.Parse(child, CultureInfo.InvariantCulture))) yield return p;
        }
    }

    /// <summary>This process's own memory cgroup directory: (path, v2), or null.</summary>
    private static (string Path, bool V2)? Parent()
    {
        var lines = File.Exists("/proc/self/cgroup") ? File.ReadAllLines("/proc/self/cgroup") : [];
        var v1 = lines.Select(l => l.Split(':', 3)).FirstOrDefault(f => f.Length == 3 && f[1].Split(',').Contains("memory"));
        if (v1 is not null && Directory.Exists(V1Root)) return (V1Root + v1[2].TrimEnd('/'), false);
        var unified = lines.Select(l => l.Split(':', 3)).FirstOrDefault(f => f.Length == 3 && f[0] == "0" && f[1].Length == 0);
        var controllers = System.IO.Path.Combine(V2Root, "cgroup.controllers");
        if (unified is not null && File.Exists(controllers) && File.ReadAllText(controllers).Split(' ', '\n').Contains("memory")) return (V2Root + unified[2].TrimEnd('/'), true);
        return null;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "a memory cgroup needs Linux";
        if (Environment.UserName != "root") return "creating a memory cgroup needs root";
        if (Parent() is not { } parent) return "this machine has no memory cgroup controller (neither cgroup v1's memory hierarchy nor memory among cgroup v2's controllers)";
        return Directory.Exists(parent.Path) ? null : $"the lab's own memory cgroup {parent.Path} is not visible here";
    }

    private static void RemoveLeftovers(string parent)
    {
        foreach (var dir in Directory.GetDirectories(parent, Prefix + "*"))
        {
            var owner = System.IO.Path.GetFileName(dir)[Prefix.Length..].Split('-')[0];
            if (int.TryParse(owner, out var pid) && Directory.Exists($"/proc/{pid}")) continue;
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                // Still has processes: left for the reaper of those processes.
            }
        }
    }
}
