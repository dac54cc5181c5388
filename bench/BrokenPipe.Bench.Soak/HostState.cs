using System.Diagnostics;
using System.Globalization;

namespace BenchSoak;

/// <summary>
/// What the lab could leave behind on this host, read from /proc, <c>ip</c>, <c>nft</c> and <c>docker</c>. The machine
/// is shared, so everything is scoped to this process: its descendants, its lab dirs (named with its PID), its own
/// listening sockets; namespaces and veth pairs count when they are new and no live lab of another process lists them.
/// </summary>
internal sealed record HostState(
    int Fds,
    long RssKb,
    IReadOnlyList<string> Descendants,
    IReadOnlyList<string> LabDirs,
    IReadOnlySet<string> Namespaces,
    IReadOnlySet<string> Veths,
    IReadOnlySet<string> Listeners,
    string HostNftTables,
    IReadOnlySet<string> Containers)
{
    /// <summary>Reads the state now.</summary>
    public static HostState Read(int root)
    {
        var pid = Environment.ProcessId;
        return new HostState(
            FdKinds().Where(k => !k.Key.EndsWith(".dll", StringComparison.Ordinal) && !k.Key.EndsWith(".pdb", StringComparison.Ordinal)).Sum(k => k.Value),
            RssKilobytes(),
            [.. DescendantsOf(root).Select(p => $"{p} {Comm(p)}")],
            Directory.Exists(LabSandbox.TempRoot) ? [.. Directory.GetDirectories(LabSandbox.TempRoot).Where(d => Path.GetFileName(d).Contains($"-{root}-", StringComparison.Ordinal))] : [],
            Lines("ip", "netns", "list").Select(l => l.Split(' ')[0]).Where(n => n.StartsWith("bpl-", StringComparison.Ordinal)).ToHashSet(),
            Lines("ip", "-o", "link", "show").Select(l => l.Split(':', 3) is { Length: 3 } f ? f[1].Trim().Split('@')[0] : "").Where(n => n.StartsWith("bpl", StringComparison.Ordinal)).ToHashSet(),
            ListenersOf([pid, .. DescendantsOf(pid)]),
            string.Join(" ", Lines("nft", "list", "tables")),
            // The docker runtime labels its containers with the owning process (brokenpipe.lab.owner-pid): only ours count.
            Lines("docker", "ps", "-a", "--filter", $"label=brokenpipe.lab.owner-pid={root}", "--format", "{{.ID}} {{.Names}}").ToHashSet());
    }

    /// <summary>Everything in <paramref name="after"/> that was not in <paramref name="before"/> and is this process's to clean up, one line per kind; empty when nothing leaked.</summary>
    public static List<string> Leaks(HostState before, HostState after)
    {
        var othersOwn = NamespacesOfLiveLabs();
        var leaks = new List<string>();
        void Add(string what, IEnumerable<string> items)
        {
            var list = items.ToList();
            if (list.Count > 0) leaks.Add($"{what}: {string.Join(", ", list.Take(10))}{(list.Count > 10 ? $" … ({list.Count})" : "")}");
        }
        Add("processes", after.Descendants.Except(before.Descendants));
        Add("temp dirs", after.LabDirs.Except(before.LabDirs));
        Add("namespaces", after.Namespaces.Except(before.Namespaces).Where(n => !othersOwn.Contains(n)));
        Add("veth pairs", after.Veths.Except(before.Veths).Where(v => !othersOwn.Contains($"bpl-{v[3..^1]}")));
        Add("listening sockets", after.Listeners.Except(before.Listeners));
        Add("containers", after.Containers.Except(before.Containers));
        if (after.HostNftTables != before.HostNftTables) leaks.Add($"host nft tables: before '{before.HostNftTables}', after '{after.HostNftTables}'");
        // Assemblies (and their symbols) the runtime maps on first use stay mapped for the process's life: not a leak.
        if (after.Fds != before.Fds) leaks.Add($"open fds other than mapped assemblies: {before.Fds} before, {after.Fds} after");
        return leaks;
    }

    /// <summary>This process's open fds by what they are (socket, pipe, anon_inode:[eventpoll], a file's path), with counts.</summary>
    public static Dictionary<string, int> FdKinds()
    {
        var kinds = new Dictionary<string, int>();
        foreach (var fd in Directory.EnumerateFiles("/proc/self/fd"))
        {
            string kind;
            try
            {
                var target = new FileInfo(fd).LinkTarget ?? "?";
                kind = target.StartsWith("socket:", StringComparison.Ordinal) ? "socket" : target.StartsWith("pipe:", StringComparison.Ordinal) ? "pipe" : target;
            }
            catch (IOException)
            {
                continue;
            }
            kinds[kind] = kinds.GetValueOrDefault(kind) + 1;
        }
        return kinds;
    }

    /// <summary>The live (not zombie) descendants of <paramref name="root"/>, by PID.</summary>
    public static List<int> DescendantsOf(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var p) || Stat(p) is not { } stat || stat.State == 'Z') continue;
            if (!children.TryGetValue(stat.PPid, out var list)) children[stat.PPid] = list = [];
            list.Add(p);
        }
        var found = new List<int>();
        var queue = new Queue<int>([root]);
        while (queue.TryDequeue(out var p))
        {
            foreach (var c in children.GetValueOrDefault(p) ?? [])
            {
                found.Add(c);
                queue.Enqueue(c);
            }
        }
        return found;
    }

    /// <summary>State, parent and start time (field 22) of a process, or null when it is gone.</summary>
    public static (char State, int PPid, string Start)? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (f[0][0], int.Parse(f[1], CultureInfo.InvariantCulture), f[19]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static string Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>This process's resident set size (VmRSS), in KB.</summary>
    public static long RssKilobytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)) ?? "VmRSS: 0 kB";
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    /// <summary>Listening TCP sockets (local address:port) whose socket is open in one of <paramref name="pids"/>.</summary>
    private static HashSet<string> ListenersOf(IEnumerable<int> pids)
    {
        var inodes = new HashSet<string>();
        foreach (var p in pids)
        {
            try
            {
                foreach (var fd in Directory.EnumerateFiles($"/proc/{p}/fd"))
                {
                    var target = new FileInfo(fd).LinkTarget;
                    if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
        var listeners = new HashSet<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == "0A" && inodes.Contains(f[9])) listeners.Add(f[1]);
            }
        }
        return listeners;
    }

    /// <summary>The namespaces other live processes' labs have noted (their registries), which are not ours to count.</summary>
    private static HashSet<string> NamespacesOfLiveLabs()
    {
        var names = new HashSet<string>();
        if (!Directory.Exists(LabSandbox.TempRoot)) return names;
        foreach (var dir in Directory.GetDirectories(LabSandbox.TempRoot))
        {
            var file = Path.Combine(dir, "namespaces");
            try
            {
                if (File.Exists(file)) names.UnionWith(File.ReadAllLines(file));
            }
            catch (IOException)
            {
            }
        }
        return names;
    }

    private static List<string> Lines(string program, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit(10_000);
            return p.ExitCode == 0 ? [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)] : [];
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return [];
        }
    }
}
