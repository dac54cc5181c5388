namespace BrokenPipe.Scenarios.Cli;

/// <summary>Unusable input: the CLI prints the message as one line on stderr and exits with 2.</summary>
public sealed class CliException(string message) : Exception(message);
