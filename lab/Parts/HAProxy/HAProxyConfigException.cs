namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>A config HAProxy cannot use: a bad placeholder, or HAProxy refused it (its own [ALERT] lines are the message).</summary>
public sealed class HAProxyConfigException(string message) : Exception(message);
