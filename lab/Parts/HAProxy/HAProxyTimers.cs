namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>
/// The five timers of an HTTP log line, in milliseconds, -1 where the step never completed: <paramref name="Request"/>
/// (TR, the whole request received), <paramref name="Queue"/> (Tw), <paramref name="Connect"/> (Tc),
/// <paramref name="Response"/> (Tr, the upstream's response header after the request was sent; -1 when it never came)
/// and <paramref name="Active"/> (Ta, the whole request from accept to the last byte).
/// </summary>
internal sealed record HAProxyTimers(int Request, int Queue, int Connect, int Response, int Active);
