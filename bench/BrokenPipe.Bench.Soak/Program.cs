using System.Globalization;
using BenchSoak;

// The lab side by side: the catalog sequential vs parallel, a soak of many mixed runs with a leak check, and a crash
// test (SIGKILL the host mid-run). Bounded in count and time; loopback and the lab's own namespaces only.
const string Usage = """
    usage: bash bench/soak.sh catalog [--repeat K] [--parallel N] [--no-sequential]
                                   the quick catalog once sequential, then K times side by side (default 1, N = 8)
           bash bench/soak.sh soak [--runs R] [--parallel N] [--docker]
                                   R runs mixed across the quick catalog (default 1000, N = 16), then what is left behind;
                                   --docker: the nginx and Redis scenarios on the docker runtime too
           bash bench/soak.sh crash [--kills K]
                                   SIGKILL a host K times mid-catalog (default 10), then one more lab: what survives
           bash bench/soak.sh kestrel-stress [--rounds R] [--parallel N]
                                   the two Kestrel misses seen under load, provoked R times (default 500, N = 16)
    """;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
if (args.Length == 0) return Fail("a mode: catalog, soak or crash");
int Option(string name, int fallback, int max)
{
    var i = Array.IndexOf(args, name);
    if (i < 0) return fallback;
    if (i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > max)
        throw new ArgumentException($"{name} needs a whole number from 1 to {max}");
    return n;
}
try
{
    return args[0] switch
    {
        "catalog" => await CatalogCompare.RunAsync(Option("--repeat", 1, 50), Option("--parallel", ScenarioBatch.DefaultParallelism, 64), !args.Contains("--no-sequential"), cancel.Token),
        "soak" => await Soak.RunAsync(Option("--runs", 1000, 10_000), Option("--parallel", 16, 64), args.Contains("--docker"), cancel.Token),
        "crash" => await CrashTest.RunAsync(Option("--kills", 10, 50), cancel.Token),
        "kestrel-stress" => await KestrelStress.RunAsync(Option("--rounds", 500, 5000), Option("--parallel", 16, 64), cancel.Token),
        "host" => await CrashTest.HostAsync(),
        "--help" or "-h" => Help(),
        _ => Fail($"unknown mode '{args[0]}'"),
    };
}
catch (ArgumentException e)
{
    return Fail(e.Message);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
    Console.Error.WriteLine("canceled");
    return 130;
}

static int Help()
{
    Console.WriteLine(Usage);
    return 0;
}

static int Fail(string message)
{
    Console.Error.WriteLine($"error: {message}");
    Console.Error.WriteLine(Usage);
    return 2;
}
