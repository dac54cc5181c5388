namespace BrokenPipe.Lab.Parts.Redis;

/// <summary>A RESP error reply ("-ERR …").</summary>
public sealed record RespError(string Message);
