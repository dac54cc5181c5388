namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// One nginx directive as written: its words (quotes removed), where it starts and ends in the text (the end is just
/// past its ';' or '{'), whether it opens a block, and the enclosing block (an index into the same list, or -1).
/// </summary>
internal sealed record NginxStatement(IReadOnlyList<string> Words, int Start, int End, bool OpensBlock, int Parent)
{
    /// <summary>The directive's name (its first word).</summary>
    public string Name => Words.Count > 0 ? Words[0] : "";

    /// <summary>For a block: just past its closing '}' (or the text's end when it is not closed).</summary>
    public int BlockEnd { get; internal set; } = -1;

    /// <summary>For a block: its closing '}' was found (false for a block the text ends inside).</summary>
    public bool Closed { get; internal set; }
}
