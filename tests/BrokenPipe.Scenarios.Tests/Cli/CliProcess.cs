using System.Diagnostics;
using BrokenPipe.Scenarios.Cli;

namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>The CLI as CI runs it: its own process (dotnet brokenpipe-lab.dll …), so signals, exit codes and leftovers are real.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _stdout = new();
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly TaskCompletionSource _firstStderrLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CliProcess(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(CliApp).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data);
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.AppendLine(e.Data);
            _firstStderrLine.TrySetResult();
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public string Stdout
    {
        get
        {
            lock (_stdout) return _stdout.ToString();
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    /// <summary>Completes when the CLI wrote its first line to stderr ("checking … about N s").</summary>
    public Task Started => _firstStderrLine.Task;

    public async Task<int> ExitAsync(TimeSpan bound)
    {
        using var cts = new CancellationTokenSource(bound);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Sends a signal to the CLI by its PID.</summary>
    public void Signal(int signal)
    {
        if (Libc.kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed");
    }

    /// <summary>Processes whose command line names a run dir of this CLI process (nginx started with -p /tmp/brokenpipe-lab/NAME-PID-…).</summary>
    public IReadOnlyList<int> Leftovers()
    {
        var marker = $"-{Pid}-";
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (cmdline.Contains(LabSandbox.TempRoot, StringComparison.Ordinal) && cmdline.Contains(marker, StringComparison.Ordinal)) found.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return found;
    }

    /// <summary>Run dirs of this CLI process still on disk.</summary>
    public IReadOnlyList<string> LeftoverDirs() =>
        Directory.Exists(LabSandbox.TempRoot) ? [.. Directory.EnumerateDirectories(LabSandbox.TempRoot).Where(d => Path.GetFileName(d).Contains($"-{Pid}-", StringComparison.Ordinal))] : [];

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private static class Libc
    {
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int sig);
    }
}
