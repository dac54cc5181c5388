// Outside the README's text: the docker example's [Fact] skips with the reason where it cannot run — no Docker engine
// answers (or this user may not open its socket), or the engine has no Redis image of the run.
using BrokenPipe.Lab;
using BrokenPipe.Lab.Runtimes;

/// <summary>
/// The README's [Fact] for <c>RedisOnDockerTests</c>, which the README writes in the global namespace: a type there wins
/// over xunit's <c>FactAttribute</c> from the global using, so the example's text stays the README's.
/// </summary>
internal sealed class FactAttribute : Xunit.FactAttribute
{
    public FactAttribute()
    {
        if (DockerRuntime.ImageUnavailable(LabSettings.Default.RedisImage ?? "redis:7.4") is { } reason) Skip = reason;
    }
}
