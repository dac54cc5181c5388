namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// What a runtime needs of the lab it starts processes for, and no more: the run dir, the timeline, ownership (stopped in
/// reverse order when the lab is disposed), deferred clean-up, the registries the reaper reads after a crash, and the
/// run's image of a program. <see cref="LabSandbox"/> is the one implementation; the runtimes never see the sandbox itself.
/// </summary>
internal interface IRuntimeHost
{
    /// <summary>The run dir: working directory of local processes, mounted at the same path into containers.</summary>
    string Directory { get; }

    /// <summary>Where what the runtimes observe is recorded.</summary>
    Timeline Timeline { get; }

    /// <summary>True once the lab is being disposed: clean-up may then be deferred (<see cref="Defer"/>).</summary>
    bool Disposing { get; }

    /// <summary>Owns <paramref name="part"/>: disposed, in reverse order, when the lab is.</summary>
    T Own<T>(T part, string name)
        where T : IAsyncDisposable;

    /// <summary>Adds clean-up that the lab's disposal waits for (bounded).</summary>
    void Defer(Task cleanup);

    /// <summary>Notes a process (by PID and start time) for the reaper, should this process die first.</summary>
    void RememberProcess(int pid, string name);

    /// <summary>The process is gone: the reaper need not look for it.</summary>
    void ForgetProcess(int pid);

    /// <summary>Notes a container for the reaper.</summary>
    void RememberContainer(string id);

    /// <summary>The container is gone.</summary>
    void ForgetContainer(string id);

    /// <summary>The image of <paramref name="program"/> on a container runtime: this run's, else the official one.</summary>
    string ImageFor(ServerProgram program);
}
