using System.Net;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.HAProxy;

/// <summary>
/// A real HAProxy in front of one upstream: its config rendered from a template (the lab's, or a user's haproxy.cfg with
/// <c>{{listen}}</c> and <c>{{upstream}}</c>), started in the foreground (<c>-db</c>) through <see cref="PartProcess"/>,
/// ready when its port accepts, its HTTP log lines (through <see cref="HAProxyLogSocket"/>) read into the proxy kinds
/// (side <see cref="Side.Proxy"/>, each line verbatim), stopped by its PID.
/// </summary>
public sealed class HAProxyProxy : IProxyPart, IAsyncDisposable
{
    private readonly PartProcess _process;
    private readonly string _dir;

    private HAProxyProxy(PartProcess process, IPEndPoint endpoint, string dir, IReadOnlyList<string> notes)
    {
        _process = process;
        _dir = dir;
        Endpoint = endpoint;
        Notes = notes;
        StartupTime = process.StartupTime;
    }

    public IPEndPoint Endpoint { get; }

    public int Port => Endpoint.Port;

    /// <summary>From starting the haproxy process until its port accepts.</summary>
    public TimeSpan StartupTime { get; }

    public int Pid => _process.Process.Pid;

    /// <summary>What the lab changed in a user's config (log targets, fixed paths), one line each.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>The lab's clients speak plain HTTP/1.1 to HAProxy.</summary>
    ProxyListener IProxyPart.Listener => ProxyListener.Plain;

    /// <inheritdoc/>
    public Uri Url(string pathAndQuery = "/") => new($"http://{Endpoint}{pathAndQuery}");

    /// <summary>Starts HAProxy in front of <paramref name="upstream"/>. A config HAProxy refuses throws <see cref="HAProxyConfigException"/> with its [ALERT] lines; nothing is left running.</summary>
    public static async Task<HAProxyProxy> StartAsync(LabSandbox lab, IPEndPoint upstream, HAProxyOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new HAProxyOptions();
        var port = LabSandbox.FreePort();
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var dir = Path.Combine(lab.Directory, options.Name);
        Directory.CreateDirectory(Path.Combine(dir, "logs"));
        // The listen port is the kernel's and held by this lab until HAProxy binds it: with the PID, unique on the host.
        var logs = lab.Own(HAProxyLogSocket.Start($"brokenpipe-lab-haproxy-{Environment.ProcessId}-{port}", Path.Combine(dir, HAProxyProgram.LogFile)), $"{options.Name}-log");
        var files = await RenderAsync(options, dir, endpoint, upstream, logs.Target, cancellationToken).ConfigureAwait(false);
        // A user's config is checked first (haproxy -c), so that what HAProxy refuses is said in its own words; the lab's
        // template is known good, and its start stays one process.
        var runtime = RuntimeOf(lab, options);
        if (options.ConfigTemplatePath is not null) await CheckAsync(lab, runtime, Launch(options, files.Files, check: true), options.ConfigTemplatePath, cancellationToken).ConfigureAwait(false);
        var start = new PartProcessStart(runtime, Launch(options, files.Files, check: false), endpoint, Side.Proxy, dir)
        {
            Describes = $" (HTTP/1.1) → upstream {upstream}",
            Upstream = upstream,
            Rejected = process => HAProxyProgram.Alerts(process.Output) is var alerts && alerts.Contains("[ALERT]", StringComparison.Ordinal)
                ? new HAProxyConfigException($"haproxy refused the config: {alerts}")
                : null,
        };
        var process = await PartProcess.StartAsync(lab, start, cancellationToken).ConfigureAwait(false);
        var proxy = process.Own(new HAProxyProxy(process, endpoint, dir, files.Notes));
        foreach (var note in files.Notes) lab.Timeline.Note(Side.Lab, note, options.Name);
        return proxy;
    }

    /// <summary>
    /// Checks a config template without starting a proxy: placeholders, rendering and <c>haproxy -c</c>. Throws
    /// <see cref="HAProxyConfigException"/> with HAProxy's own [ALERT] lines when it is unusable; returns what the lab changed.
    /// </summary>
    internal static async Task<IReadOnlyList<string>> ValidateAsync(HAProxyOptions options, CancellationToken cancellationToken = default)
    {
        await using var lab = new LabSandbox("haproxy-validate");
        var dir = Path.Combine(lab.Directory, "haproxy-validate");
        Directory.CreateDirectory(dir);
        var files = await RenderAsync(options, dir, new IPEndPoint(IPAddress.Loopback, LabSandbox.FreePort()), new IPEndPoint(IPAddress.Loopback, LabSandbox.FreePort()), $"abns@brokenpipe-lab-haproxy-validate-{Environment.ProcessId}", cancellationToken).ConfigureAwait(false);
        await CheckAsync(lab, RuntimeOf(lab, options), Launch(options with { Name = "haproxy-validate" }, files.Files, check: true), options.ConfigTemplatePath, cancellationToken).ConfigureAwait(false);
        return files.Notes;
    }

    /// <summary>
    /// <c>haproxy -c</c>: a config HAProxy refuses fails here with its [ALERT] lines, before anything runs. HAProxy names
    /// the rendered file in the run dir (gone after the run), whose lines are the user's: the user's file is named instead.
    /// </summary>
    private static async Task CheckAsync(LabSandbox lab, IServerRuntime runtime, ServerLaunch check, string? template, CancellationToken cancellationToken)
    {
        var (exit, output) = await runtime.RunAsync(lab, check, TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
        if (exit == 0) return;
        var alerts = HAProxyProgram.Alerts(output);
        if (template is not null) alerts = alerts.Replace(check.Arguments[^1], template, StringComparison.Ordinal);
        throw new HAProxyConfigException($"haproxy refused the config: {alerts}");
    }

    /// <summary>Reads what HAProxy has logged so far into the timeline now (the tails also do it every ~10 ms).</summary>
    public void Flush() => _process.Flush();

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // The lab removes its whole dir afterwards anyway.
        }
    }

    /// <summary>The config files HAProxy reads, in order, and what the lab changed in a user's config.</summary>
    private sealed record Rendered(IReadOnlyList<string> Files, IReadOnlyList<string> Notes);

    private static async Task<Rendered> RenderAsync(HAProxyOptions options, string dir, IPEndPoint listen, IPEndPoint upstream, string logTarget, CancellationToken cancellationToken)
    {
        var config = Path.Combine(dir, "haproxy.cfg");
        var target = $"{upstream.Address}:{upstream.Port}";
        if (options.ConfigTemplatePath is not { } template)
        {
            var text = HAProxyConfig.Render(HAProxyConfig.LabTemplate(), HAProxyConfig.Values(options, listen.ToString(), target, logTarget));
            await File.WriteAllTextAsync(config, text, cancellationToken).ConfigureAwait(false);
            return new Rendered([config], []);
        }
        var source = await File.ReadAllTextAsync(template, cancellationToken).ConfigureAwait(false);
        var placeholders = HAProxyConfig.Placeholders(source);
        var missing = new[] { "listen", "upstream" }.Where(p => !placeholders.Contains(p)).ToList();
        if (missing.Count > 0)
        {
            throw new HAProxyConfigException($"{template} has no {string.Join(" and no ", missing.Select(p => $"{{{{{p}}}}}"))} placeholder: see nginx/README.md");
        }
        var notes = new List<string>();
        var rendered = HAProxyConfig.Adopt(HAProxyConfig.Render(source, new Dictionary<string, string> { ["listen"] = listen.ToString(), ["upstream"] = target }), notes);
        var lab = Path.Combine(dir, "lab.cfg");
        await File.WriteAllTextAsync(lab, HAProxyConfig.LabGlobal(logTarget), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(config, rendered, cancellationToken).ConfigureAwait(false);
        return new Rendered([lab, config], notes);
    }

    private static ServerLaunch Launch(HAProxyOptions options, IReadOnlyList<string> files, bool check)
    {
        List<string> args = check ? ["-c"] : ["-db"];
        foreach (var file in files) args.AddRange(["-f", file]);
        return new ServerLaunch(HAProxyProgram.Descriptor, args, check ? $"{options.Name}-c" : options.Name) { ExplicitPath = options.BinaryPath, Image = options.Image };
    }

    /// <summary>The part's own runtime, else the lab's; HAProxy reaches its upstreams on the host's 127.0.0.1, so it runs on the host network only.</summary>
    private static IServerRuntime RuntimeOf(LabSandbox lab, HAProxyOptions options)
    {
        var runtime = options.Runtime ?? lab.Settings.Runtime;
        return runtime.ListenAddress == "127.0.0.1"
            ? runtime
            : throw new NotSupportedException($"haproxy cannot run on the {runtime.Name} runtime: its upstreams listen on the host's 127.0.0.1 (use the host network)");
    }
}
