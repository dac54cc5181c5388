namespace BrokenPipe.Scenarios.Cli;

/// <summary>How a batch of runs reports its progress: plain lines (logs, CI, redirected output) or a terminal's progress bar.</summary>
public interface IRunProgress : IAsyncDisposable
{
    /// <summary>
    /// Run <paramref name="number"/> of <paramref name="total"/> to finish (runs go side by side, so in the order they end).
    /// Called from the batch's serialized completion callback, so it is synchronous.
    /// </summary>
    void Done(int number, int total, ScenarioResult result);
}
