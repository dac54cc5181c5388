using BrokenPipe.Bench;
using BrokenPipe.Scenarios;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C cancels the benchmark (the running lab stops its parts); a second one ends the process.
    if (cancel.IsCancellationRequested) return;
    e.Cancel = true;
    cancel.Cancel();
};
// `oracle`: the packets judge every run's timeline (bench/oracle.sh).
if (args is ["oracle", ..]) return await OracleBench.RunAsync(args, Catalog.Fast, Console.Out, Console.Error, cancel.Token);
return await new BenchApp(Console.Out, Console.Error, Catalog.All).RunAsync(args, cancel.Token);
