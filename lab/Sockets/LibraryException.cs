namespace BrokenPipe.Lab.Sockets;

/// <summary>
/// One link of an exception chain as a library reported it, by name (StackExchange.Redis runs in observer processes,
/// so its exceptions reach the lab as names and messages, not objects).
/// </summary>
/// <param name="Type">The exception's type name ("RedisConnectionException").</param>
/// <param name="Message">Its message.</param>
/// <param name="FailureType">A RedisConnectionException's ConnectionFailureType name, if it is one.</param>
/// <param name="Errno">A SocketException's errno, if it is one.</param>
public sealed record LibraryException(string Type, string Message, string? FailureType = null, int? Errno = null);
