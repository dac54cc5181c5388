using System.Collections.Concurrent;
using System.Diagnostics;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// Ties the lab's child processes to this process, so that they die with it even when it is SIGKILLed (no
/// dispose, no reaper): each server is started as
/// <c>setpriv --pdeathsig KILL -- unshare --pid --kill-child -- sh -c '"$@"; exit $?' sh PROGRAM ARGS…</c>.
/// <list type="bullet">
/// <item><c>setpriv</c> (util-linux) sets PR_SET_PDEATHSIG on itself and execs <c>unshare</c>, which keeps it: the
/// kernel sends it SIGKILL when the <em>thread</em> that forked it ends. .NET forks on the thread that calls
/// <see cref="Process.Start()"/> — a pool thread that may retire after a quiet spell — so every start happens on one
/// thread of our own that lives as long as the process (<see cref="StartAsync{T}"/>).</item>
/// <item><c>unshare --pid --kill-child</c> starts a new PID namespace whose process 1 (a shell that only waits for the
/// program, passed as arguments: nothing is parsed) has its death signal tied to <c>unshare</c>. When process 1 of a
/// namespace dies the kernel kills every process in it: nginx's workers too, which would otherwise outlive their master
/// and keep its port. The program is not process 1 itself, which would ignore every signal it has no handler for.</item>
/// </list>
/// A new PID namespace needs root (CAP_SYS_ADMIN) and a kernel/sandbox that allows it: checked once; without it only
/// the program itself is tied (<c>setpriv</c> alone), and what it forks is left to the next lab's reaper.
/// The program is signalled by its own PID (the one the host sees), never through the wrappers.
/// </summary>
internal static class HostTether
{
    private const string Setpriv = "/usr/bin/setpriv";
    private const string Unshare = "/usr/bin/unshare";
    private static readonly BlockingCollection<Action> Starts = [];
    private static readonly Thread Spawner = StartSpawner();
    private static readonly Lazy<bool> CanUnshare = new(ProbeUnshare);

    /// <summary>The wrapper arguments that go before the program, or none when util-linux's tools are missing.</summary>
    public static IReadOnlyList<string> Wrapper
    {
        get
        {
            if (!OperatingSystem.IsLinux() || !File.Exists(Setpriv)) return [];
            // In the namespace a shell is process 1 and the program its child: process 1 of a namespace ignores every
            // signal it has no handler for (SIGTERM to a plain program would do nothing), its child does not. The
            // shell waits for the program and exits with its status (128 + N when signal N ended it).
            return CanUnshare.Value
                ? [Setpriv, "--pdeathsig", "KILL", "--", Unshare, "--pid", "--kill-child=KILL", "--", "/bin/sh", "-c", "\"$@\"; exit $?", "sh"]
                : [Setpriv, "--pdeathsig", "KILL", "--"];
        }
    }

    /// <summary>Whether <see cref="Wrapper"/> puts the program in a PID namespace of its own (then its PID is the wrapper's child).</summary>
    public static bool Namespaced => Wrapper.Count > 0 && CanUnshare.Value;

    /// <summary>
    /// Runs <paramref name="start"/> (a <see cref="Process.Start()"/>, and what must follow it at once) on the spawner
    /// thread, so the fork's parent thread lives as long as the process; the caller awaits it without holding a thread.
    /// </summary>
    public static Task<T> StartAsync<T>(Func<T> start)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Run()
        {
            try
            {
                done.SetResult(start());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }
        if (Thread.CurrentThread == Spawner) Run();
        else Starts.Add(Run);
        return done.Task;
    }

    /// <summary>
    /// The PID of the program under the wrappers: the only child of <c>unshare</c>'s only child (the shell). Polled
    /// (bounded by 5 s) until it exists; <paramref name="wrapper"/>'s own PID when the wrapper is not namespaced or
    /// exited first.
    /// </summary>
    public static int ProgramPid(Process wrapper)
    {
        if (!Namespaced) return wrapper.Id;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5) && !wrapper.HasExited)
        {
            if (FirstChild(wrapper.Id) is { } shell && FirstChild(shell) is { } program) return program;
            Thread.Sleep(1);
        }
        return wrapper.Id;
    }

    private static int? FirstChild(int pid)
    {
        try
        {
            var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return children.Length > 0 && int.TryParse(children[0], out var child) ? child : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static Thread StartSpawner()
    {
        var thread = new Thread(() =>
        {
            foreach (var start in Starts.GetConsumingEnumerable()) start();
        })
        {
            IsBackground = true,
            Name = "lab child spawner",
        };
        thread.Start();
        return thread;
    }

    /// <summary>Whether this process may make PID namespaces: one <c>unshare --pid</c> of <c>true</c>, bounded.</summary>
    private static bool ProbeUnshare()
    {
        if (!File.Exists(Unshare) || !Environment.IsPrivilegedProcess) return false;
        try
        {
            var psi = new ProcessStartInfo(Unshare) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "--pid", "--kill-child=KILL", "--", "/bin/true" }) psi.ArgumentList.Add(a);
            using var probe = Process.Start(psi)!;
            if (!probe.WaitForExit(5000))
            {
                probe.Kill();
                return false;
            }
            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
