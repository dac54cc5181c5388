using System.Diagnostics;
using System.Globalization;

namespace BenchSoak;

/// <summary>
/// SIGKILLs a host process in the middle of the parallel catalog, <c>kills</c> times at random moments (1 to 15 s
/// in, seeded): right after each kill, what of its process tree is still alive (it should die with the host); after
/// the last one, one more lab in this process (its reaper runs): what of the killed hosts is still anywhere —
/// processes, temp dirs, namespaces.
/// </summary>
internal static class CrashTest
{
    public static async Task<int> RunAsync(int kills, CancellationToken cancellationToken)
    {
        var random = new Random(13);
        var self = Environment.GetCommandLineArgs()[0];
        var killed = new List<(int Pid, List<(int Pid, string Start, string Comm)> Tree)>();
        var survivorsAtOnce = 0;
        var namespacesBefore = HostState.Read(Environment.ProcessId).Namespaces;
        for (var k = 1; k <= kills; k++)
        {
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(self);
            psi.ArgumentList.Add("host");
            using var host = Process.Start(psi)!;
            host.OutputDataReceived += (_, _) => { };
            host.ErrorDataReceived += (_, _) => { };
            host.BeginOutputReadLine();
            host.BeginErrorReadLine();
            var at = TimeSpan.FromMilliseconds(random.Next(1000, 15000));
            await Task.Delay(at, cancellationToken);
            List<(int Pid, string Start, string Comm)> tree = [.. HostState.DescendantsOf(host.Id).Select(p => (p, HostState.Stat(p)?.Start ?? "", Comm(p)))];
            host.Kill(); // SIGKILL on Linux: no handler, no dispose, no finally
            await host.WaitForExitAsync(cancellationToken);
            await Task.Delay(200, cancellationToken);
            var alive = Alive(tree);
            survivorsAtOnce += alive.Count;
            killed.Add((host.Id, tree));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kill {k}/{kills}: host {host.Id} SIGKILLed {at.TotalSeconds:0.0} s in, with {tree.Count} descendants ({string.Join(", ", tree.GroupBy(t => t.Comm).Select(g => $"{g.Count()} {g.Key}"))}); alive 200 ms later: {(alive.Count == 0 ? "none" : string.Join(", ", alive))}"));
        }

        // One more lab: its constructor reaps what dead hosts left (temp dirs, processes, namespaces).
        await using (new LabSandbox("crash-test-after"))
        {
        }
        var left = killed.SelectMany(k => Alive(k.Tree)).ToList();
        var dirs = Directory.Exists(LabSandbox.TempRoot) ? Directory.GetDirectories(LabSandbox.TempRoot).Where(d => killed.Any(k => Path.GetFileName(d).Contains($"-{k.Pid}-", StringComparison.Ordinal))).ToList() : [];
        var namespaces = HostState.Read(Environment.ProcessId).Namespaces.Except(namespacesBefore).ToList();
        Console.WriteLine($"after {kills} kills: alive right after the kills: {survivorsAtOnce}; after one more lab: processes {left.Count}, temp dirs of the killed hosts {dirs.Count}, new namespaces {namespaces.Count}{(namespaces.Count > 0 ? $" ({string.Join(", ", namespaces)}; another helper's labs may own them)" : "")}");
        return survivorsAtOnce == 0 && left.Count == 0 && dirs.Count == 0 ? 0 : 1;
    }

    /// <summary>The host for the crash test: the quick catalog side by side, until it is killed.</summary>
    public static async Task<int> HostAsync()
    {
        List<(Scenario, Variant)> runs = [.. Catalog.Fast.Where(s => s.UnavailableHere is null).SelectMany(s => new[] { Variant.Broken, Variant.Fixed }.Select(v => (s, v)))];
        await ScenarioBatch.RunAsync(runs, 16);
        return 0;
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

    private static List<string> Alive(List<(int Pid, string Start, string Comm)> tree) =>
        [.. tree.Where(t => HostState.Stat(t.Pid) is { } s && s.Start == t.Start && s.State != 'Z').Select(t => $"{t.Pid} {t.Comm}")];
}
