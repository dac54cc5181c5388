namespace BrokenPipe.Lab.Scenarios;

/// <summary>
/// One runnable variant of a scenario: what it expects (in words and as checks), the waits it cannot avoid, and
/// the body that starts parts and drives clients in a <see cref="LabSandbox"/>.
/// </summary>
/// <param name="Expected">The expectation in one sentence (it appears in the JSON result).</param>
/// <param name="InherentWait">The sleeps and timeouts the scenario must wait out; the benchmark subtracts it to get the lab's overhead.</param>
/// <param name="RunAsync">The body: start parts, drive clients, wait on the timeline (bounded).</param>
/// <param name="Checks">The conditions the finished timeline must meet.</param>
public sealed record ScenarioVariant(
    string Expected,
    TimeSpan InherentWait,
    Func<LabSandbox, CancellationToken, Task> RunAsync,
    IReadOnlyList<Check> Checks);
