namespace BrokenPipe.Lab.Runtimes;

/// <summary>A program the lab needs is not there and could not be installed. The message says how to install it.</summary>
public sealed class RuntimeMissingException(string message) : Exception(message);
