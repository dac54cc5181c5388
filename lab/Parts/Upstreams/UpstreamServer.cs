using System.Diagnostics;
using System.Globalization;
using System.Net;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Upstreams;

/// <summary>
/// An HTTP upstream written in another language with its standard library only (Go's net/http, Node's node:http,
/// Python's http.server, Java's com.sun.net.httpserver), every one driven the same way (<see cref="UpstreamOptions"/>)
/// and reporting what its runtime said — a failed write's error text, an exception, a log line — as events of side
/// <see cref="Side.Server"/>, verbatim. It runs as a local process on 127.0.0.1 and a port from the lab, through the
/// parts' one life cycle (<see cref="PartProcess"/>), whatever the lab's runtime: it is the application, not
/// infrastructure.
/// </summary>
public sealed class UpstreamServer : IPart, IAsyncDisposable
{
    private readonly LabSandbox _lab;
    private readonly PartProcess _process;
    private readonly string _name;

    private UpstreamServer(LabSandbox lab, PartProcess process, IPEndPoint endpoint, string name, TimeSpan prepare)
    {
        _lab = lab;
        _process = process;
        Endpoint = endpoint;
        _name = name;
        PrepareTime = prepare;
    }

    public IPEndPoint Endpoint { get; }

    /// <inheritdoc/>
    public Uri Url(string pathAndQuery = "/") => new($"http://{Endpoint}{pathAndQuery}");

    public int Pid => _process.Process.Pid;

    /// <summary>From starting the process until its port accepted.</summary>
    public TimeSpan StartupTime => _process.StartupTime;

    /// <summary>Finding the runtime and building the program (only the first time, for a compiled language; then the cache's).</summary>
    public TimeSpan PrepareTime { get; }

    /// <summary>The short name of <paramref name="language"/> on the CLI and in reports: <c>go</c>, <c>node</c>, <c>python</c>, <c>java</c>.</summary>
    public static string Key(UpstreamLanguage language) => UpstreamPrograms.Of(language).Key;

    /// <summary>The languages whose programs the lab has, in order.</summary>
    public static IReadOnlyList<UpstreamLanguage> Languages => [.. UpstreamPrograms.All.Select(p => p.Language)];

    /// <summary>Why an upstream in <paramref name="language"/> cannot run here (its runtime is missing and the lab may not install it), or null.</summary>
    public static string? Unavailable(UpstreamLanguage language) => UpstreamPrograms.Of(language).Unavailable();

    public static async Task<UpstreamServer> StartAsync(LabSandbox lab, UpstreamOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new UpstreamOptions();
        var program = UpstreamPrograms.Of(options.Language);
        var name = options.Name ?? program.Key;
        var dir = Path.Combine(lab.Directory, name);
        Directory.CreateDirectory(dir);
        var clock = Stopwatch.StartNew();
        var runtime = await program.RuntimePathAsync(cancellationToken).ConfigureAwait(false);
        var (executable, prefix) = await program.PrepareAsync(runtime, program.SourceText(), cancellationToken).ConfigureAwait(false);
        var prepare = clock.Elapsed;
        var endpoint = new IPEndPoint(IPAddress.Loopback, LabSandbox.FreePort());
        var launch = new ServerLaunch(program.Runtime, [.. prefix, .. Arguments(options, endpoint, Path.Combine(dir, UpstreamProgram.EventsFile))], name) { ExplicitPath = executable };
        var start = new PartProcessStart(LocalRuntime.Instance, launch, endpoint, Side.Server, dir) { Describes = $" ({Describe(program, options)})" };
        var process = await PartProcess.StartAsync(lab, start, cancellationToken).ConfigureAwait(false);
        return process.Own(new UpstreamServer(lab, process, endpoint, name, prepare));
    }

    /// <summary>SIGSTOP: the process stops; its kernel still accepts and queues, nothing answers or closes.</summary>
    public void Pause()
    {
        _lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.Note, $"SIGSTOP {Pid}: the upstream is frozen") { Actor = _name });
        _process.Process.Signal(UnixSignal.Stop);
    }

    /// <summary>SIGCONT after <see cref="Pause"/>.</summary>
    public void Resume()
    {
        _process.Process.Signal(UnixSignal.Cont);
        _lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.Note, $"SIGCONT {Pid}: the upstream runs again") { Actor = _name });
    }

    /// <summary>Reads what the program has reported so far into the timeline now (the tail also does it every ~10 ms).</summary>
    public void Flush() => _process.Flush();

    public async ValueTask DisposeAsync() => await _process.StopAsync().ConfigureAwait(false);

    /// <summary>The command line every language's program reads: PORT EVENTS WAIT_MS BYTES CHUNK CLOSE KEEPALIVE_MS ABORT [LOG_PREFIX].</summary>
    private static IEnumerable<string> Arguments(UpstreamOptions o, IPEndPoint endpoint, string events) =>
    [
        endpoint.Port.ToString(CultureInfo.InvariantCulture),
        events,
        Ms(o.Wait),
        o.ResponseBytes.ToString(CultureInfo.InvariantCulture),
        o.ChunkBytes.ToString(CultureInfo.InvariantCulture),
        o.Close == CloseMode.Rst ? "rst" : "fin",
        o.KeepAliveTimeout is { } k ? Ms(k) : "0",
        o.HonourAbort ? "1" : "0",
        .. o.LogPrefix.Length > 0 ? [o.LogPrefix] : Array.Empty<string>(),
    ];

    private static string Ms(TimeSpan t) => ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    private static string Describe(UpstreamProgram program, UpstreamOptions o) =>
        $"{program.Key}: wait {o.Wait.TotalMilliseconds:0} ms, {o.ResponseBytes} bytes" + (o.ChunkBytes > 0 ? $" in {o.ChunkBytes}-byte chunks" : " in one write") +
        (o.HonourAbort ? ", stops when the client goes" : "") + (o.KeepAliveTimeout is { } k ? $", keep-alive {k.TotalMilliseconds:0} ms" : "");
}
