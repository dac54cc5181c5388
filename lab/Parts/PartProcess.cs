using System.Diagnostics;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts;

/// <summary>
/// The one life cycle of a part that runs a server program as a process: started on its runtime, ready when its
/// program's readiness probe says so, its logs tailed into the timeline (each line read by the program's descriptor, the
/// part's actor name stamped on it), the part owned by the lab and its listener registered, then the started and stopped
/// events. A part supplies only what differs (<see cref="PartProcessStart"/>) and what it does besides.
/// </summary>
internal sealed class PartProcess
{
    private readonly LabSandbox _lab;
    private readonly PartProcessStart _start;
    private readonly List<LogTail> _tails;

    private PartProcess(LabSandbox lab, PartProcessStart start, IServerProcess process, TimeSpan startup)
    {
        _lab = lab;
        _start = start;
        Process = process;
        StartupTime = startup;
        var timeline = lab.Timeline;
        _tails = [.. start.Program.Logs.Select(log => new LogTail(Path.Combine(start.Dir, log.RelativePath), line =>
        {
            if (log.Read(line) is { } e) timeline.Record(e with { Actor = start.Name });
        }))];
    }

    /// <summary>The running process (a new one after <see cref="RestartAsync"/>).</summary>
    public IServerProcess Process { get; private set; }

    /// <summary>From starting the process until it was ready.</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>Starts the program and waits until it is ready; its logs are tailed from then on. Call <see cref="Own{T}"/> with the part next.</summary>
    public static async Task<PartProcess> StartAsync(LabSandbox lab, PartProcessStart start, CancellationToken cancellationToken)
    {
        var (process, startup) = await LaunchAsync(lab, start, cancellationToken).ConfigureAwait(false);
        return new PartProcess(lab, start, process, startup);
    }

    /// <summary>The lab owns <paramref name="part"/> (disposed in reverse order), knows who listens at its endpoint, and records that it started.</summary>
    public T Own<T>(T part)
        where T : IAsyncDisposable
    {
        _lab.Own(part, _start.Name);
        _lab.RegisterListener(_start.Endpoint, _start.Side);
        if (_start.Upstream is { } upstream) _lab.RegisterFront(upstream, _start.Side);
        RecordStarted("");
        return part;
    }

    /// <summary>
    /// Starts the program again on the same endpoint (after a kill). The lab stops what it owns last-started first:
    /// <paramref name="part"/> is owned again, above the new process, so that the lab's disposal stops it through the part.
    /// </summary>
    public async Task RestartAsync<T>(T part, CancellationToken cancellationToken)
        where T : IAsyncDisposable
    {
        await Process.DisposeAsync().ConfigureAwait(false);
        (Process, StartupTime) = await LaunchAsync(_lab, _start, cancellationToken).ConfigureAwait(false);
        _lab.Own(part, _start.Name);
        RecordStarted(" restarted");
    }

    /// <summary>Reads what the program has logged so far into the timeline now (the tails also do it every ~10 ms).</summary>
    public void Flush()
    {
        foreach (var tail in _tails) tail.ReadNew();
    }

    /// <summary>Stops the process (SIGTERM, then a kill after 3 s), reads the rest of its logs and records that it stopped.</summary>
    public async Task StopAsync()
    {
        await Process.StopAsync(UnixSignal.Term, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        foreach (var tail in _tails) await tail.DisposeAsync().ConfigureAwait(false);
        _lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.PartStopped, $"{_start.Program.Name} (pid {Process.Pid}) stopped") { Actor = _start.Name });
        await Process.DisposeAsync().ConfigureAwait(false);
    }

    private void RecordStarted(string again) =>
        _lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.PartStarted, $"{_start.Program.Name}{again} (pid {Process.Pid}{Process.Where}) on {_start.Endpoint}{_start.Describes}, ready in {StartupTime.TotalMilliseconds:0.0} ms") { Actor = _start.Name });

    private static async Task<(IServerProcess Process, TimeSpan Startup)> LaunchAsync(LabSandbox lab, PartProcessStart start, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var process = await start.Runtime.StartAsync(lab, start.Launch, cancellationToken).ConfigureAwait(false);
        try
        {
            await Readiness.UntilAsync(process, start.Program, start.Endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (process.HasExited && start.Rejected(process) is { } rejected)
        {
            throw rejected;
        }
        return (process, clock.Elapsed);
    }
}
