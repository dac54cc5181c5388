using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Runtimes;

/// <summary>A fact skipped, with the reason, where no Docker engine answers.</summary>
public sealed class DockerFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> from <see cref="DockerEngine.Unavailable"/>.</summary>
    public DockerFactAttribute()
    {
        if (DockerEngine.Unavailable is { } reason) Skip = reason;
    }
}
