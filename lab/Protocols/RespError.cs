namespace BrokenPipe.Lab.Protocols;

/// <summary>A RESP error reply ("-ERR …").</summary>
public sealed record RespError(string Message);
