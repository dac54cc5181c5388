namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>
/// One HTTP log line of HAProxy: the status it sent (-1: none), its bytes, the backend and server (<c>&lt;NOSRV&gt;</c>
/// when none was chosen), the timers, the four-character termination state (<c>sH--</c>: the server timed out waiting
/// for the response header) and the request line. <see cref="Line"/> is the line as HAProxy wrote it.
/// </summary>
internal sealed record HAProxyLogLine(int Status, long Bytes, string Backend, string Server, HAProxyTimers Timers, string TerminationState, string Request, string Line)
{
    /// <summary>Who or what ended the session: the first character of the termination state (C client, S server, c/s their timeouts, P proxy, R resource, I internal, K killed, D down, L local, - normal).</summary>
    public char Cause => TerminationState[0];

    /// <summary>In which step it ended: the second character (R request, Q queue, C connect, H response header, D data, L last, T tarpit, - complete).</summary>
    public char Step => TerminationState[1];
}
