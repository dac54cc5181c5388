namespace BrokenPipe.Lab.Runtimes;

/// <summary>The Linux signal numbers the lab sends to the processes it started (always by their own PID).</summary>
internal enum UnixSignal
{
    Kill = 9,
    Term = 15,
    Quit = 3,
    Stop = 19,
    Cont = 18,
}
