namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>A rendered config made safe to run beside others: its text (same lines as before), what was changed, and the lab's listener.</summary>
internal sealed record NginxIsolated(string Text, IReadOnlyList<string> Notes, ProxyListener Listener);
