namespace BrokenPipe.Lab.Tests.Runtimes;

/// <summary>What /proc says about a process: whether it is there, its state, its start time, its children, its command line.</summary>
internal static class ProcFs
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    public static bool Exists(int pid) => Directory.Exists($"/proc/{pid}");

    /// <summary>The state letter of /proc/PID/stat (R, S, T, Z, …), or null when the process is gone.</summary>
    public static char? State(int pid) => Fields(pid) is { } f ? f[0][0] : null;

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks), or null when the process is gone.</summary>
    public static string? StartTime(int pid) => Fields(pid) is { } f ? f[19] : null;

    /// <summary>The PIDs whose parent is <paramref name="pid"/>.</summary>
    public static IReadOnlyList<int> Children(int pid) =>
        [.. Pids().Where(p => Fields(p) is { } f && f[1] == pid.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>The PIDs whose command line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<int> WithCommandLineContaining(string text) =>
        [.. Pids().Where(p => p != Environment.ProcessId && CommandLine(p)?.Contains(text, StringComparison.Ordinal) == true)];

    public static string? CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or <paramref name="bound"/> has passed; returns whether it held.</summary>
    public static async Task<bool> PollAsync(Func<bool> condition, TimeSpan bound)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > bound) return false;
            await Task.Delay(PollInterval);
        }
        return true;
    }

    /// <summary>Fields after the command name: [0] is the state (field 3), [1] the parent PID (field 4), [19] the start time (field 22).</summary>
    private static string[]? Fields(int pid)
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

    private static IEnumerable<int> Pids()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid)) yield return pid;
        }
    }
}
