using System.Globalization;
using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>The kernel's own log (dmesg), read for the lines the lab needs verbatim.</summary>
internal static partial class KernelLog
{
    /// <summary>
    /// Waits, bounded, for the OOM killer's line about one of <paramref name="pids"/> ("Memory cgroup out of memory:
    /// Killed process N (NAME) …" under a cgroup limit, "Out of memory: Killed process N (NAME) …" host-wide); returns it.
    /// </summary>
    public static async Task<string> WaitForOomKillAsync(IReadOnlyCollection<int> pids, string name, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var (_, output) = await Command.RunAsync("dmesg", [], cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (Match m in OomKill().Matches(output))
            {
                if (m.Groups[2].Value == name && pids.Contains(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))) return m.Value.Trim();
            }
            if (DateTime.UtcNow > until) throw new TimeoutException($"no 'Killed process' line for {name} ({string.Join(", ", pids)}) in the kernel log within {timeout.TotalSeconds:0} s");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
        }
    }

    [GeneratedRegex(@"(?:Memory cgroup out of memory|Out of memory): Killed process (\d+) \(([^)]+)\)[^\n]*")]
    private static partial Regex OomKill();
}
