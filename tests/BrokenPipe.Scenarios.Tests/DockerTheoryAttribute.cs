using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>A theory skipped, with the reason, where no Docker engine answers (or its bridge is in a private range).</summary>
public sealed class DockerTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> from <see cref="DockerEngine.BridgeUnavailable"/>.</summary>
    public DockerTheoryAttribute()
    {
        if (DockerEngine.BridgeUnavailable is { } reason) Skip = reason;
    }
}
