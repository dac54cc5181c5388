namespace BrokenPipe.Scenarios;

/// <summary>The problem material each scenario comes from (shared/seeds).</summary>
public static class Seeds
{
    public const string Guide = "000_d962789e756e6cd3.txt (a general guide to broken pipe in Linux services)";
    public const string GoOver8Kb = "001_a2dee134ce4a60d1.txt (Go: broken pipe only when the response exceeds 8 KB)";
    public const string KongTimeout = "002_3e25fd0c0a39716f.txt (Kong ingress's 60 s timeout cut a CSV export)";
    public const string Redis = "003_137b737ed7d35264.txt (Redis: connection reset by peer / broken pipe)";
    public const string Kernel = "the kernel's TCP semantics behind every seed";
}
