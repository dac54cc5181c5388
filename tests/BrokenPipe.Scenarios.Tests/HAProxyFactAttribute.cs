using BrokenPipe.Lab.Parts.HAProxy;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>A fact that runs the real haproxy: skipped, with the install command, where it is missing and cannot be installed.</summary>
public sealed class HAProxyFactAttribute : FactAttribute
{
    public HAProxyFactAttribute()
    {
        if (HAProxyProgram.Unavailable is { } reason) Skip = reason;
    }
}
