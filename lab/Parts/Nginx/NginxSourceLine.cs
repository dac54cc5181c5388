namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>One line of a user's config after its includes were inlined, with the file and line it came from.</summary>
internal sealed record NginxSourceLine(string Text, string File, int Line)
{
    /// <summary>"FILE:LINE", the way editors and CI logs link to a line.</summary>
    public string Where => $"{File}:{Line}";
}
