using System.Diagnostics;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// A child process the lab started. Its PID is written to the lab's process registry, so that a lab in a later
/// process can reap it if this one dies; it is stopped by its own PID (never by name): a signal, then a kill of
/// its process tree (nginx's workers too). It is started through <see cref="HostTether"/>, so it also dies when this
/// process is killed outright.
/// </summary>
internal sealed class LocalProcess : IServerProcess
{
    private const int MaxOutputLines = 200;
    private readonly Process _process;
    private readonly IRuntimeHost _lab;
    private readonly string _name;
    private readonly Queue<string> _output = new();
    private readonly Lock _gate = new();
    private int _stopped;

    private LocalProcess(Process process, int pid, IRuntimeHost lab, string name)
    {
        _process = process;
        _lab = lab;
        _name = name;
        Pid = pid;
    }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_gate) return string.Join(Environment.NewLine, _output);
        }
    }

    /// <summary>Starts <paramref name="executable"/> and waits (blocking) until it runs; see <see cref="StartAsync"/>.</summary>
    public static LocalProcess Start(IRuntimeHost lab, string executable, IReadOnlyList<string> arguments, string name) =>
        StartAsync(lab, executable, arguments, name).GetAwaiter().GetResult();

    /// <summary>
    /// Starts <paramref name="executable"/> under <see cref="HostTether"/>'s wrappers, on its spawner thread (no pool
    /// thread waits for the fork), and notes its PID in the lab's process registry.
    /// </summary>
    public static async Task<LocalProcess> StartAsync(IRuntimeHost lab, string executable, IReadOnlyList<string> arguments, string name)
    {
        var wrapper = HostTether.Wrapper;
        var psi = new ProcessStartInfo(wrapper.Count > 0 ? wrapper[0] : executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = lab.Directory,
        };
        foreach (var a in wrapper.Count > 0 ? [.. wrapper.Skip(1), executable, .. arguments] : arguments) psi.ArgumentList.Add(a);
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var pid = await HostTether.StartAsync(() =>
        {
            if (!process.Start()) throw new InvalidOperationException($"{executable} did not start");
            // The wrapper's PID is noted at once (so a reaper finds it even if this process dies right now), the program's when known.
            lab.RememberProcess(process.Id, name);
            var program = HostTether.ProgramPid(process);
            if (program != process.Id) lab.RememberProcess(program, name);
            return program;
        }).ConfigureAwait(false);
        var local = new LocalProcess(process, pid, lab, name);
        process.OutputDataReceived += (_, e) => local.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => local.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return local;
    }

    /// <summary>Signals the program itself by its PID (not its wrappers); nothing once it has exited.</summary>
    public void Signal(UnixSignal signal)
    {
        if (!_process.HasExited) Syscalls.Kill(Pid, signal);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    public async Task StopAsync(UnixSignal graceful, TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        try
        {
            if (!_process.HasExited)
            {
                Signal(graceful);
                using var wait = new CancellationTokenSource(grace);
                try
                {
                    await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    _lab.Timeline.Note(Side.Lab, $"{_name} (pid {Pid}) did not stop within {grace.TotalSeconds:0.#} s of SIG{graceful.ToString().ToUpperInvariant()}: killing its process tree", _name);
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync().ConfigureAwait(false);
                }
            }
        }
        catch (InvalidOperationException)
        {
            // It had already exited and been reaped.
        }
        _lab.ForgetProcess(Pid);
        _lab.ForgetProcess(_process.Id);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(UnixSignal.Term, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _output.Enqueue(line);
            while (_output.Count > MaxOutputLines) _output.Dequeue();
        }
    }
}
