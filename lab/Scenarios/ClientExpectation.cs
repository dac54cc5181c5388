namespace BrokenPipe.Lab.Scenarios;

/// <summary>What one Redis client (or family: "se-redis" for every StackExchange.Redis version) is expected to see in a scenario.</summary>
/// <param name="Client">A <see cref="RedisClientKind.Name"/> or <see cref="RedisClientKind.Family"/>.</param>
/// <param name="Claim">The expectation in words; the generated client table shows it.</param>
/// <param name="Holds">Whether one client's run meets it.</param>
public sealed record ClientExpectation(string Client, string Claim, Func<ClientRun, bool> Holds)
{
    /// <summary>The <see cref="Client"/> that names every client.</summary>
    public const string Every = "every client";

    /// <summary>Whether this expectation is about <paramref name="kind"/>.</summary>
    public bool Covers(RedisClientKind kind) => Client == Every || kind.Is(Client);
}
