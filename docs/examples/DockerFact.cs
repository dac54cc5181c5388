// Outside the README's text: the docker example's [Fact] skips with the reason where it cannot run — no Docker engine
// answers (or this user may not open its socket), or the engine has no Redis image of the run.
using BrokenPipe.Lab;
using BrokenPipe.Lab.Parts.Redis;

namespace MyTeam.Docker.Tests;

/// <summary>
/// The README's [Fact] for <c>RedisOnDockerTests</c> (namespace MyTeam.Docker.Tests, where this type wins over xunit's),
/// skipped with the reason where the test cannot run (not part of the README's text).
/// </summary>
internal sealed class FactAttribute : Xunit.FactAttribute
{
    public FactAttribute()
    {
        if (RedisServer.DockerImageUnavailable(LabSettings.Default) is { } reason) Skip = reason;
    }
}
