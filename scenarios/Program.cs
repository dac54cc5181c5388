using System.Runtime.InteropServices;
using BrokenPipe.Scenarios;
using BrokenPipe.Scenarios.Cli;

using var cancel = new CancellationTokenSource();
var signal = 0;
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C cancels the run; the lab then stops every part it started before the process exits.
    e.Cancel = true;
    signal = signal == 0 ? 2 : signal;
    cancel.Cancel();
};
// SIGTERM (CI cancelling a job, `timeout`) does the same: cancel, clean up, exit 128+15.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    signal = signal == 0 ? 15 : signal;
    cancel.Cancel();
});
try
{
    // A progress bar and a drawn table only when a person watches a terminal; logs and CI get plain lines.
    var terminal = Console.IsOutputRedirected || Console.IsErrorRedirected || Environment.GetEnvironmentVariable("CI") is { Length: > 0 }
        ? null
        : Spectre.Console.AnsiConsole.Create(new Spectre.Console.AnsiConsoleSettings());
    return await new CliApp(Console.Out, Console.Error, Catalog.All, terminal).RunAsync(args, cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("canceled: every part started so far has been stopped");
    return 128 + (signal == 0 ? 2 : signal);
}
catch (Exception e) when (CliApp.IsSetupFailure(e))
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (Exception e)
{
    // A bug of the lab: shown whole, so it can be reported, but as an exit code rather than an abort and a core dump.
    Console.Error.WriteLine($"error: an unexpected failure inside the lab (please report it): {e}");
    return 3;
}
