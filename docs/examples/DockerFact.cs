// Outside the README's text: the docker example's [Fact] skips with the reason where no Docker engine answers.
using BrokenPipe.Lab.Runtimes;

namespace MyTeam.Docker.Tests;

/// <summary>The README's [Fact], skipped with the reason where no Docker engine answers (not part of the README's text).</summary>
internal sealed class FactAttribute : Xunit.FactAttribute
{
    public FactAttribute()
    {
        if (DockerEngine.Unavailable is { } reason) Skip = reason;
    }
}
