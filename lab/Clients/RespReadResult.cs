using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;

namespace BrokenPipe.Lab.Clients;

/// <summary>What one <see cref="RespProbe.ReadReplyAsync"/> ended with: a reply, Redis's error reply, EOF, a socket error, or silence.</summary>
public sealed record RespReadResult
{
    /// <summary>How the read ended.</summary>
    public required RespReadOutcome Outcome { get; init; }

    /// <summary>
    /// The reply when <see cref="Outcome"/> is <see cref="RespReadOutcome.Reply"/>: a string, a long, null (a nil bulk
    /// string or array) or an array of replies; a <see cref="RespError"/> when it is <see cref="RespReadOutcome.Error"/>;
    /// null otherwise.
    /// </summary>
    public object? Value { get; init; }

    /// <summary>The failure, classified by <see cref="SocketFailures"/>, when the read got no reply (EOF, an error, the timeout).</summary>
    public SocketFailure? Failure { get; init; }

    /// <summary>The errno behind <see cref="Failure"/>, when the kernel gave one (104 for a reset).</summary>
    public int? Errno { get; init; }

    /// <summary>The event the read recorded on the timeline.</summary>
    public required LabEvent Event { get; init; }

    /// <summary>True when Redis answered, with a reply or an error reply.</summary>
    public bool Answered => Outcome is RespReadOutcome.Reply or RespReadOutcome.Error;
}
