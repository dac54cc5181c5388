namespace BrokenPipe.Lab.Checks;

/// <summary>What one check's body concluded: its verdict and observation, warnings for what strict peers reject, and the client's body framing.</summary>
internal sealed record CheckOutcome(ProxyCheckVerdict Verdict, string Observed)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public string? Framing { get; init; }

    public static implicit operator CheckOutcome((ProxyCheckVerdict Verdict, string Observed) outcome) => new(outcome.Verdict, outcome.Observed);
}
