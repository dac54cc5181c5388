namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// The one reaper of what a dead lab left behind: its processes, its network namespaces and its containers. A lab notes
/// each of them in a registry file of its run dir (<c>processes</c>, <c>namespaces</c>, <c>containers</c>); when a new lab
/// starts, every run dir whose owning process is gone is handled here and removed. Containers also carry the owner's
/// PID and start time as labels (<see cref="ContainerLabels"/>), so one the registry missed (the host died between
/// create and note) is found by <see cref="ReapOrphanContainersAsync"/>.
/// </summary>
internal static class Reaper
{
    /// <summary>The registry of child processes: one line "PID STARTTIME NAME".</summary>
    public const string ProcessRegistry = "processes";

    /// <summary>The registry of network namespaces: one name (<c>bpl-N</c>) a line.</summary>
    public const string NamespaceRegistry = "namespaces";

    /// <summary>The registry of containers: one container id a line.</summary>
    public const string ContainerRegistry = "containers";

    /// <summary>
    /// A new run dir's name: <c>NAME-PID-tSTART-RANDOM</c>, with this process's PID and start time (field 22 of
    /// /proc/PID/stat), so that a PID reused by another process after the owner died does not keep the dir alive.
    /// </summary>
    public static string RunDirName(string name) => $"{name}-{Environment.ProcessId}-t{OwnStart.Value}-{Guid.NewGuid():N}";

    private static readonly Lazy<string> OwnStart = new(() => StartTime(Environment.ProcessId));

    /// <summary>Reaps every run dir under <paramref name="root"/> whose owner (the PID and start time in its name) has died.</summary>
    public static void ReapDeadLabs(string root)
    {
        if (!Directory.Exists(root)) return;
        List<string> dirs;
        try
        {
            dirs = [.. Directory.EnumerateDirectories(root)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return; // Not ours to read: nothing of ours to reap there.
        }
        foreach (var dir in dirs)
        {
            if (OwnerAlive(Path.GetFileName(dir)) is not false) continue;
            try
            {
                ReapProcesses(Lines(dir, ProcessRegistry));
                ReapNamespaces(Lines(dir, NamespaceRegistry));
                ReapContainers(Lines(dir, ContainerRegistry));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A dir another user left (a shared TMPDIR, or root's run under this user's TMPDIR): its registries are
                // not ours to read, nor its processes ours to stop. Left as it is; its owner's next lab reaps it.
                continue;
            }
            TryDelete(dir);
        }
    }

    /// <summary>
    /// Whether the owner of a run dir named <paramref name="name"/> lives: null when the name is not a run dir's or the owner
    /// is this process. A killed owner whose parent has not collected it yet (a zombie) is dead: it can create nothing more.
    /// Names without a start time (<c>NAME-PID-RANDOM</c>, older labs) go by the PID alone.
    /// </summary>
    internal static bool? OwnerAlive(string name)
    {
        var parts = name.Split('-');
        if (parts.Length >= 4 && parts[^2] is ['t', .. var start] && int.TryParse(parts[^3], out var pid))
        {
            return pid == Environment.ProcessId ? null : Stat(pid) is { Length: > 19 } f && f[19] == start && f[0] != "Z";
        }
        if (parts.Length < 3 || !int.TryParse(parts[^2], out pid) || pid == Environment.ProcessId) return null;
        return Stat(pid) is { } fields && fields[0] != "Z";
    }

    /// <summary>Stops listed processes: SIGTERM, then SIGKILL, each by its PID and only if its start time still matches.</summary>
    public static void ReapProcesses(IEnumerable<string> registry)
    {
        // The last noted first: a program before the wrapper it runs under (HostTether's wrapper ignores SIGTERM and ends with it).
        foreach (var line in registry.Reverse())
        {
            var f = line.Split(' ', 3);
            if (f.Length < 2 || f[1].Length == 0 || !int.TryParse(f[0], out var pid) || StartTime(pid) != f[1]) continue;
            Syscalls.Kill(pid, UnixSignal.Term);
            for (var i = 0; i < 40 && StartTime(pid) == f[1]; i++) Thread.Sleep(50);
            if (StartTime(pid) == f[1]) Syscalls.Kill(pid, UnixSignal.Kill);
        }
    }

    /// <summary>Deletes listed network namespaces (<c>bpl-N</c>) with the host's end of their veth pair.</summary>
    public static void ReapNamespaces(IEnumerable<string> names)
    {
        var lab = names.Where(n => n.StartsWith("bpl-", StringComparison.Ordinal) && int.TryParse(n[4..], out _)).ToList();
        if (lab.Count == 0 || BinaryLocator.Find(ServerProgram.Ip) is not { } ip) return;
        foreach (var name in lab) DeleteNamespaceAsync(ip, name).GetAwaiter().GetResult();
    }

    /// <summary>Removes listed containers (force: a running one is killed first), when an engine answers.</summary>
    public static void ReapContainers(IEnumerable<string> ids)
    {
        var list = ids.Where(i => i.Length > 0).ToList();
        if (list.Count == 0 || DockerEngine.Unavailable is not null) return;
        foreach (var id in list) DockerContainer.RemoveQuietlyAsync(id).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Removes every lab container whose owning process (PID and start time in its labels) is gone: the sweep the docker
    /// runtime makes once per process before its first container.
    /// </summary>
    public static async Task<int> ReapOrphanContainersAsync(CancellationToken cancellationToken = default)
    {
        var removed = 0;
        foreach (var (id, pid, start) in await ContainerLabels.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            if (pid == Environment.ProcessId || (StartTime(pid) == start && start.Length > 0)) continue;
            await DockerContainer.RemoveQuietlyAsync(id).ConfigureAwait(false);
            removed++;
        }
        return removed;
    }

    /// <summary>Deletes the host's end of namespace <c>bpl-N</c>'s veth pair (<c>bplNh</c>), then the namespace; the result of the latter.</summary>
    public static async Task<(int Code, string Output)> DeleteNamespaceAsync(string ip, string name)
    {
        await Command.RunAsync(ip, ["link", "del", HostEnd(name)]).ConfigureAwait(false);
        return await Command.RunAsync(ip, ["netns", "del", name]).ConfigureAwait(false);
    }

    /// <summary>The host's end of namespace <c>bpl-N</c>'s veth pair: <c>bplNh</c>.</summary>
    public static string HostEnd(string name) => $"bpl{name[4..]}h";

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks), or "" when the process is gone.</summary>
    public static string StartTime(int pid) => Stat(pid) is { Length: > 19 } fields ? fields[19] : "";

    /// <summary>
    /// The fields of /proc/PID/stat after the program's name, from field 3 on: [0] is the state (Z for a zombie: dead, its
    /// exit status not yet collected by its parent), [19] the start time. Null when the process is gone.
    /// </summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Removes a dir and everything in it, quietly (it may be gone already, or busy).</summary>
    public static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static IEnumerable<string> Lines(string dir, string registry)
    {
        var path = Path.Combine(dir, registry);
        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }
}
