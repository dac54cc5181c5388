using System.Runtime.InteropServices;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// The libc calls of process and namespace work: signalling a process the lab started, entering a network namespace.
/// The socket calls are <c>Sockets.Native</c>'s; these belong with the runtimes that start processes and namespaces.
/// </summary>
internal static partial class Syscalls
{
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillCore(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(nint fd, int namespaceType);

    /// <summary><c>kill(pid, signal)</c>: the lab signals only processes it started, by their own PID.</summary>
    public static bool Kill(int pid, UnixSignal signal) => KillCore(pid, (int)signal) == 0;

    /// <summary>
    /// Moves the calling thread (only it) into the network namespace whose handle (/run/netns/NAME) is given: sockets
    /// it creates from then on belong to that namespace for their whole life, whatever thread uses them later.
    /// </summary>
    public static void JoinNetworkNamespace(Microsoft.Win32.SafeHandles.SafeFileHandle ns)
    {
        const int CLONE_NEWNET = 0x40000000;
        if (SetNs(ns.DangerousGetHandle(), CLONE_NEWNET) != 0) throw new IOException($"setns(CLONE_NEWNET) failed: errno {Marshal.GetLastPInvokeError()}");
    }
}
