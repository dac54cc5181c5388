namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

/// <summary>What ended a bounded read loop on a plain socket.</summary>
internal enum ReadEndKind
{
    /// <summary>recv() returned 0: the peer's FIN.</summary>
    Eof,

    /// <summary>recv() failed with an OS error (<see cref="ReadEnd.Error"/>), e.g. ECONNRESET.</summary>
    Error,

    /// <summary>Nothing at all arrived before the bound: no byte, no FIN, no RST.</summary>
    Silence,
}
