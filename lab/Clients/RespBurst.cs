namespace BrokenPipe.Lab.Clients;

/// <summary>
/// A burst of pipelined PUBLISH commands (<see cref="Protocols.RespReplies.Pipeline"/>), sent by a
/// <see cref="RespPublisher"/> in <see cref="Writes"/> equal writes, each holding whole commands.
/// </summary>
public sealed record RespBurst(ReadOnlyMemory<byte> Commands)
{
    /// <summary>How many equal writes the burst is sent in (it must divide it into whole commands). The default value is 4.</summary>
    public int Writes { get; init; } = 4;

    /// <summary>How many times in a row the burst is sent. The default value is 1.</summary>
    public int Repeats { get; init; } = 1;

    /// <summary>Asked after each write: true stops the burst early. The default value is never.</summary>
    public Func<bool>? Stop { get; init; }

    /// <summary>The name of the measurement of delivered messages. The default value is <c>delivered-messages</c>.</summary>
    public string Measurement { get; init; } = "delivered-messages";
}
