using BrokenPipe.Lab.Parts.HAProxy;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>A theory that runs the real haproxy: skipped, with the install command, where it is missing and cannot be installed.</summary>
public sealed class HAProxyTheoryAttribute : TheoryAttribute
{
    public HAProxyTheoryAttribute()
    {
        if (HAProxyProgram.Unavailable is { } reason) Skip = reason;
    }
}
