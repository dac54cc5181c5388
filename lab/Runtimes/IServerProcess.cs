namespace BrokenPipe.Lab.Runtimes;

/// <summary>A running server started by a runtime. Disposing it stops it: a graceful signal, then a kill, by its own PID (a container: by its id, then it is removed).</summary>
internal interface IServerProcess : IAsyncDisposable
{
    int Pid { get; }

    bool HasExited { get; }

    /// <summary>Where it runs, for a sentence about it: " in container ID (IMAGE)" for a container, nothing for a local process.</summary>
    string Where => "";

    /// <summary>What the process printed (stdout and stderr, the last lines).</summary>
    string Output { get; }

    /// <summary>Sends a signal to the process (SIGSTOP/SIGCONT to pause, SIGKILL to crash it).</summary>
    void Signal(UnixSignal signal);

    /// <summary>Completes when the process has exited.</summary>
    Task WaitForExitAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops it: <paramref name="graceful"/> first, then after <paramref name="grace"/> a kill of its process tree.</summary>
    Task StopAsync(UnixSignal graceful, TimeSpan grace);
}
