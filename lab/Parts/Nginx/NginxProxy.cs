using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// A real nginx reverse proxy in front of one upstream: config rendered from a template, checked with <c>nginx -t</c>,
/// started with <c>-p RUN_DIR -c CONF -g 'daemon off;'</c>, ready when its port accepts, its error log (at info) and
/// access log tailed into the timeline (side <see cref="Side.Proxy"/>), stopped by its PID.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly IServerProcess _process;
    private readonly LogTail _errors;
    private readonly LogTail _access;
    private readonly Timeline _timeline;
    private readonly string _name;

    private NginxProxy(IServerProcess process, LogTail errors, LogTail access, Timeline timeline, string name, IPEndPoint endpoint, NginxPaths paths, TimeSpan startup)
    {
        _process = process;
        _errors = errors;
        _access = access;
        _timeline = timeline;
        _name = name;
        Endpoint = endpoint;
        Paths = paths;
        StartupTime = startup;
    }

    public IPEndPoint Endpoint { get; }

    public int Port => Endpoint.Port;

    public NginxPaths Paths { get; }

    /// <summary>From starting the nginx process until its port accepts (the <c>nginx -t</c> check before it not included).</summary>
    public TimeSpan StartupTime { get; }

    public int Pid => _process.Pid;

    public Uri Url(string pathAndQuery = "/") => new($"http://{Endpoint}{pathAndQuery}");

    /// <summary>
    /// Checks a config template without starting a proxy: placeholders, rendering and <c>nginx -t</c>. Throws
    /// <see cref="NginxConfigException"/> with nginx's own message when it is unusable.
    /// </summary>
    /// <param name="templatePath">The user's config template.</param>
    /// <param name="binaryPath">The nginx binary; null finds it.</param>
    /// <param name="image">An nginx image to check it with (on the docker runtime); null uses the lab's usual nginx.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public static async Task ValidateAsync(string templatePath, string? binaryPath = null, string? image = null, CancellationToken cancellationToken = default)
    {
        await using var lab = new LabSandbox("nginx-validate");
        var options = new NginxOptions { Name = "nginx-validate", ConfigTemplatePath = templatePath, BinaryPath = binaryPath, Image = image, Runtime = image is null ? null : DockerRuntime.HostNetwork };
        var paths = await RenderAsync(lab, options, new IPEndPoint(IPAddress.Loopback, LabSandbox.FreePort()), LabSandbox.FreePort(), cancellationToken).ConfigureAwait(false);
        await TestAsync(lab, options, paths, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts nginx in front of <paramref name="upstream"/>. A config nginx rejects throws <see cref="NginxConfigException"/> with nginx's message; nothing is left running.</summary>
    public static async Task<NginxProxy> StartAsync(LabSandbox lab, IPEndPoint upstream, NginxOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NginxOptions();
        var port = LabSandbox.FreePort();
        var paths = await RenderAsync(lab, options, upstream, port, cancellationToken).ConfigureAwait(false);
        var runtime = RuntimeOf(lab, options);
        // In a container, `nginx -t` would cost a container of its own: the start itself says what nginx rejects.
        if (runtime is LocalRuntime) await TestAsync(lab, options, paths, cancellationToken).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        var process = await runtime.StartAsync(lab, Launch(options, paths, test: false), cancellationToken).ConfigureAwait(false);
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        try
        {
            await WaitUntilAcceptsAsync(process, endpoint, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (process.HasExited && Emerg(process.Output).Contains("[emerg]", StringComparison.Ordinal))
        {
            throw new NginxConfigException($"nginx rejected the config: {PointAtLine(Emerg(process.Output), paths.Config)}");
        }
        var startup = clock.Elapsed;

        var timeline = lab.Timeline;
        var name = options.Name;
        var errors = new LogTail(paths.ErrorLog, line => RecordError(timeline, name, line));
        var access = new LogTail(paths.AccessLog, line => RecordAccess(timeline, name, line));
        var proxy = new NginxProxy(process, errors, access, timeline, name, endpoint, paths, startup);
        lab.Own(proxy, name);
        lab.RegisterListener(endpoint, Side.Proxy);
        lab.RegisterFront(upstream, Side.Proxy);
        timeline.Record(Side.Lab, EventKind.PartStarted, $"nginx (pid {process.Pid}{Where(process)}) on {endpoint} → upstream {upstream}, ready in {startup.TotalMilliseconds:0.0} ms", actor: name);
        return proxy;
    }

    /// <summary>Reads what nginx has logged so far into the timeline now (the tails also do it every ~10 ms).</summary>
    public void Flush()
    {
        _errors.ReadNew();
        _access.ReadNew();
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(UnixSignal.Term, TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        await _errors.DisposeAsync().ConfigureAwait(false);
        await _access.DisposeAsync().ConfigureAwait(false);
        _timeline.Record(Side.Lab, EventKind.PartStopped, $"nginx (pid {_process.Pid}) stopped", actor: _name);
        await _process.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(Paths.Prefix, recursive: true);
        }
        catch (IOException)
        {
            // The lab removes its whole dir afterwards anyway.
        }
    }

    /// <summary>Renders the config into the run dir (logs and temp dirs created) and returns its paths.</summary>
    private static async Task<NginxPaths> RenderAsync(LabSandbox lab, NginxOptions options, IPEndPoint upstream, int port, CancellationToken cancellationToken)
    {
        var paths = new NginxPaths(Path.Combine(lab.Directory, options.Name));
        Directory.CreateDirectory(Path.Combine(paths.Prefix, "logs"));
        Directory.CreateDirectory(paths.Temp);
        var listen = $"127.0.0.1:{port}";
        var target = $"{upstream.Address}:{upstream.Port}";
        var template = options.ConfigTemplatePath is { } custom ? await ReadTemplateAsync(custom, cancellationToken).ConfigureAwait(false) : NginxConfig.LabTemplate();
        var values = options.ConfigTemplatePath is null
            ? NginxConfig.Values(options, listen, target)
            : new Dictionary<string, string> { ["listen"] = listen, ["upstream"] = target };
        var rendered = NginxConfig.Render(template, values);
        if (options.ConfigTemplatePath is { } own) rendered = NginxConfig.ResolveIncludes(rendered, Path.GetDirectoryName(Path.GetFullPath(own)));
        var config = NginxConfig.Adopt(rendered, paths, Environment.IsPrivilegedProcess);
        await File.WriteAllTextAsync(paths.Config, config, cancellationToken).ConfigureAwait(false);
        return paths;
    }

    /// <summary><c>nginx -t</c>: a config nginx rejects fails here with nginx's own words, before anything runs.</summary>
    private static async Task TestAsync(LabSandbox lab, NginxOptions options, NginxPaths paths, CancellationToken cancellationToken)
    {
        var check = await RuntimeOf(lab, options).RunAsync(lab, Launch(options, paths, test: true), TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
        if (check.ExitCode != 0) throw new NginxConfigException($"nginx rejected the config: {PointAtLine(Emerg(check.Output), paths.Config)}");
    }

    /// <summary>nginx names a line of the rendered file in the run dir (gone after the run): quote that line instead.</summary>
    private static string PointAtLine(string message, string config)
    {
        var at = $"in {config}:";
        var i = message.IndexOf(at, StringComparison.Ordinal);
        if (i < 0 || !File.Exists(config)) return message;
        var digits = new string([.. message[(i + at.Length)..].TakeWhile(char.IsDigit)]);
        if (!int.TryParse(digits, out var line)) return message;
        var lines = File.ReadAllLines(config);
        var text = line >= 1 && line <= lines.Length ? lines[line - 1].Trim() : "";
        return message.Remove(i, at.Length + digits.Length).Insert(i, $"in the rendered config, line {line}: \"{text}\"");
    }

    private static ServerLaunch Launch(NginxOptions options, NginxPaths paths, bool test)
    {
        List<string> args = test ? ["-t", "-q"] : [];
        args.AddRange(["-p", paths.Prefix + "/", "-c", paths.Config, "-e", paths.ErrorLog, "-g", $"daemon off; pid {NginxConfig.Quote(paths.Pid)};"]);
        return new ServerLaunch(ServerProgram.Nginx, args, test ? $"{options.Name}-t" : options.Name) { ExplicitPath = options.BinaryPath, Image = options.Image };
    }

    /// <summary>The part's own runtime, else the lab's. nginx reaches its upstreams on the host's 127.0.0.1, so it runs on the host network only.</summary>
    private static IServerRuntime RuntimeOf(LabSandbox lab, NginxOptions options)
    {
        var runtime = options.Runtime ?? lab.Settings.Runtime;
        return runtime.ListenAddress == "127.0.0.1"
            ? runtime
            : throw new NotSupportedException($"nginx cannot run on the {runtime.Name} runtime: its upstreams listen on the host's 127.0.0.1 (use the host network)");
    }

    /// <summary>" in container ID (IMAGE)" for a container, nothing for a local process.</summary>
    internal static string Where(IServerProcess process) => process is DockerContainer c ? $" in container {c.Id[..12]} ({c.Image})" : "";

    private static async Task<string> ReadTemplateAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new NginxConfigException($"no config file at {path}");
        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        var placeholders = NginxConfig.Placeholders(text);
        var missing = new[] { "listen", "upstream" }.Where(p => !placeholders.Contains(p)).ToList();
        if (missing.Count > 0)
        {
            throw new NginxConfigException($"{path} has no {string.Join(" and no ", missing.Select(p => $"{{{{{p}}}}}"))} placeholder: see nginx/README.md");
        }
        return text;
    }

    private static Task WaitUntilAcceptsAsync(IServerProcess process, IPEndPoint endpoint, CancellationToken cancellationToken) =>
        Readiness.UntilAsync(
            process,
            "nginx",
            async ct =>
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(endpoint, ct).ConfigureAwait(false);
                return true;
            },
            exited => exited ? $"nginx exited: {Emerg(process.Output)}" : $"its port did not accept within {Readiness.Timeout.TotalSeconds:0} s",
            cancellationToken);

    /// <summary>nginx's own words: its [emerg]/[alert] lines, or all of its output.</summary>
    private static string Emerg(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var emerg = lines.Where(l => l.Contains("[emerg]", StringComparison.Ordinal) || l.Contains("[alert]", StringComparison.Ordinal)).ToList();
        return string.Join(" ", emerg.Count > 0 ? emerg : lines);
    }

    private static void RecordError(Timeline timeline, string name, string line)
    {
        if (NginxLogParser.ParseError(line) is { } e) timeline.Record(Side.Proxy, e.Kind, line, e.Failure, e.Errno, name);
    }

    private static void RecordAccess(Timeline timeline, string name, string line)
    {
        if (NginxLogParser.ParseAccess(line) is { } e) timeline.Record(Side.Proxy, e.Kind, $"access: {line}", actor: name, status: e.Status);
    }
}
