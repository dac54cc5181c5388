namespace BrokenPipe.Scenarios.Cli;

/// <summary>How a batch of runs reports its progress: plain lines (logs, CI, redirected output) or a terminal's progress bar.</summary>
public interface IRunProgress : IAsyncDisposable
{
    /// <summary>Run <paramref name="number"/> of <paramref name="total"/> starts.</summary>
    Task StartingAsync(int number, int total, Scenario scenario, Variant variant);

    /// <summary>A run has finished (the catalog's one-line verdict; a narrated run prints its own story instead).</summary>
    Task DoneAsync(ScenarioResult result, bool narrated);
}
