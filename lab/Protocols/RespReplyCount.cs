namespace BrokenPipe.Lab.Protocols;

/// <summary>
/// What a pipeline of commands got back, counted as it arrived: integer replies above 0 (PUBLISH: delivered to that many
/// subscribers), integer replies of 0 (nobody subscribed), and anything else (errors, other types).
/// </summary>
public sealed record RespReplyCount(int Positive, int Zero, int Other)
{
    /// <summary>Every reply counted.</summary>
    public int Total => Positive + Zero + Other;
}
