namespace BrokenPipe.Scenarios.Tests.Reports;

/// <summary>A theory that needs chromium: skipped, with the reason, where it is missing and cannot be installed.</summary>
public sealed class ChromiumTheoryAttribute : TheoryAttribute
{
    public ChromiumTheoryAttribute()
    {
        if (ChromiumFactAttribute.Unavailable is { } reason) Skip = reason;
    }
}
