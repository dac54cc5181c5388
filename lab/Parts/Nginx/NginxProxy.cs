using System.Net;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// A real nginx reverse proxy in front of one upstream: config rendered from a template, checked with <c>nginx -t</c>,
/// started with <c>-p RUN_DIR -c CONF -g 'daemon off;'</c>, ready when its port accepts, its error log (at info) and
/// access log tailed into the timeline (side <see cref="Side.Proxy"/>), stopped by its PID.
/// </summary>
public sealed class NginxProxy : IProxyPart, IAsyncDisposable
{
    private readonly PartProcess _process;
    private Timeline? _timeline;
    private string _name = "nginx";

    private NginxProxy(PartProcess process, IPEndPoint endpoint, NginxPaths paths, Rendered rendered)
    {
        Listener = rendered.Listener;
        Notes = rendered.Notes;
        _process = process;
        Endpoint = endpoint;
        Paths = paths;
        StartupTime = process.StartupTime;
    }

    public IPEndPoint Endpoint { get; }

    public int Port => Endpoint.Port;

    internal NginxPaths Paths { get; }

    /// <summary>From starting the nginx process until its port accepts (the <c>nginx -t</c> check before it not included).</summary>
    public TimeSpan StartupTime { get; }

    public int Pid => _process.Process.Pid;

    /// <summary>How the lab's listener speaks (TLS, HTTP/2), read from the config.</summary>
    internal ProxyListener Listener { get; }

    ProxyListener IProxyPart.Listener => Listener;

    /// <summary>What the lab changed in a user's config to isolate it (moved listens, paths taken over), one line each.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <inheritdoc/>
    public Uri Url(string pathAndQuery = "/") => new($"http://{Endpoint}{pathAndQuery}");

    /// <summary>
    /// Checks a config template without starting a proxy: placeholders, rendering and <c>nginx -t</c>. Throws
    /// <see cref="NginxConfigException"/> with nginx's own message when it is unusable.
    /// </summary>
    /// <param name="templatePath">The user's config template.</param>
    /// <param name="binaryPath">The nginx binary; null finds it.</param>
    /// <param name="image">An nginx image to check it with (on the docker runtime); null uses the lab's usual nginx.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    internal static async Task<NginxConfigReport> ValidateAsync(string templatePath, string? binaryPath = null, string? image = null, CancellationToken cancellationToken = default) =>
        await ValidateAsync(new NginxOptions { ConfigTemplatePath = templatePath, BinaryPath = binaryPath, Image = image, Runtime = image is null ? null : DockerRuntime.HostNetwork }, cancellationToken).ConfigureAwait(false);

    /// <summary>Checks <paramref name="options"/>' config template without starting a proxy; see <see cref="ValidateAsync(string, string?, string?, CancellationToken)"/>.</summary>
    internal static async Task<NginxConfigReport> ValidateAsync(NginxOptions options, CancellationToken cancellationToken = default)
    {
        await using var lab = new LabSandbox("nginx-validate");
        options = options with { Name = "nginx-validate" };
        var rendered = await RenderAsync(lab, options, new IPEndPoint(IPAddress.Loopback, LabSandbox.FreePort()), LabSandbox.FreePort(), cancellationToken, validateOnly: true).ConfigureAwait(false);
        await TestAsync(lab, options, rendered, cancellationToken).ConfigureAwait(false);
        var version = await VersionAsync(lab, options, cancellationToken).ConfigureAwait(false);
        return new NginxConfigReport(rendered.Listener, rendered.Notes, version);
    }

    /// <summary>The nginx binary's version ("nginx/1.22.1"), from <c>nginx -v</c>.</summary>
    private static async Task<string> VersionAsync(LabSandbox lab, NginxOptions options, CancellationToken cancellationToken)
    {
        var launch = new ServerLaunch(NginxProgram.Descriptor, ["-v"], $"{options.Name}-v") { ExplicitPath = options.BinaryPath, Image = options.Image };
        var (_, output) = await RuntimeOf(lab, options).RunAsync(lab, launch, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return NginxHints.Version(output);
    }

    /// <summary>Starts nginx in front of <paramref name="upstream"/>. A config nginx rejects throws <see cref="NginxConfigException"/> with nginx's message; nothing is left running.</summary>
    public static async Task<NginxProxy> StartAsync(LabSandbox lab, IPEndPoint upstream, NginxOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new NginxOptions();
        options.Validate();
        var port = LabSandbox.FreePort();
        var rendered = await RenderAsync(lab, options, upstream, port, cancellationToken).ConfigureAwait(false);
        var paths = rendered.Paths;
        var runtime = RuntimeOf(lab, options);
        // In a container, `nginx -t` would cost a container of its own: the start itself says what nginx rejects.
        if (runtime is LocalRuntime) await TestAsync(lab, options, rendered, cancellationToken).ConfigureAwait(false);

        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var start = new PartProcessStart(runtime, Launch(options, paths, test: false), endpoint, Side.Proxy, paths.Prefix)
        {
            Describes = $" ({rendered.Listener.Protocol}) → upstream {upstream}",
            Upstream = upstream,
            Rejected = process => NginxProgram.Emerg(process.Output) is var emerg && emerg.Contains("[emerg]", StringComparison.Ordinal)
                ? new NginxConfigException($"nginx rejected the config: {PointAtLine(emerg, rendered)}")
                : null,
        };
        var process = await PartProcess.StartAsync(lab, start, cancellationToken).ConfigureAwait(false);
        var proxy = process.Own(new NginxProxy(process, endpoint, paths, rendered));
        var timeline = lab.Timeline;
        var name = options.Name;
        (proxy._timeline, proxy._name) = (timeline, name);
        foreach (var note in rendered.Notes) timeline.Note(Side.Lab, note, name);
        return proxy;
    }

    /// <summary>Reads what nginx has logged so far into the timeline now (the tails also do it every ~10 ms).</summary>
    public void Flush() => _process.Flush();

    /// <summary>
    /// SIGSTOP nginx's worker processes (local processes only): the kernel still accepts clients and queues their bytes and the
    /// upstream's FIN, but nothing is read until <see cref="ResumeWorkers"/>. It makes a race of a millisecond certain: what the
    /// worker finds queued when it wakes is what it would have met had the two crossed on the wire.
    /// </summary>
    public void PauseWorkers() => SignalWorkers(UnixSignal.Stop, "SIGSTOP: nginx's workers are frozen");

    /// <summary>SIGCONT after <see cref="PauseWorkers"/>.</summary>
    public void ResumeWorkers() => SignalWorkers(UnixSignal.Cont, "SIGCONT: nginx's workers run again");

    private void SignalWorkers(UnixSignal signal, string what)
    {
        // The master's children are its workers (the template runs one); /proc lists them by the host's PIDs.
        var children = $"/proc/{Pid}/task/{Pid}/children";
        if (!File.Exists(children)) throw new NotSupportedException($"nginx's workers can be paused only as local processes (no {children})");
        var workers = File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        foreach (var pid in workers) Syscalls.Kill(pid, signal);
        _timeline?.Record(new LabEvent(Side.Lab, EventKind.Note, $"{what} (pid {string.Join(", ", workers)})") { Actor = _name });
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(Paths.Prefix, recursive: true);
        }
        catch (IOException)
        {
            // The lab removes its whole dir afterwards anyway.
        }
    }

    /// <summary>A config rendered into the run dir: its paths, the user's lines it came from (null for the lab's template), what was isolated.</summary>
    private sealed record Rendered(NginxPaths Paths, NginxSource? Source, ProxyListener Listener, IReadOnlyList<string> Notes);

    /// <summary>Renders the config into the run dir (logs and temp dirs created) and returns its paths.</summary>
    private static async Task<Rendered> RenderAsync(LabSandbox lab, NginxOptions options, IPEndPoint upstream, int port, CancellationToken cancellationToken, bool validateOnly = false)
    {
        var paths = new NginxPaths(Path.Combine(lab.Directory, options.Name));
        Directory.CreateDirectory(Path.Combine(paths.Prefix, "logs"));
        Directory.CreateDirectory(paths.Temp);
        Directory.CreateDirectory(Path.Combine(paths.Prefix, "cache"));
        var listen = $"127.0.0.1:{port}";
        var target = $"{upstream.Address}:{upstream.Port}";
        if (options.ConfigTemplatePath is null)
        {
            var text = NginxConfig.Adopt(NginxConfig.Render(NginxConfig.LabTemplate(), NginxConfig.Values(options, listen, target)), paths, Environment.IsPrivilegedProcess);
            await File.WriteAllTextAsync(paths.Config, text, cancellationToken).ConfigureAwait(false);
            return new Rendered(paths, null, ProxyListener.Plain, []);
        }
        var rendered = RenderUserConfig(lab, options, paths, listen, upstream, validateOnly);
        await File.WriteAllTextAsync(paths.Config, NginxConfig.Adopt(rendered.Text, paths, Environment.IsPrivilegedProcess), cancellationToken).ConfigureAwait(false);
        return rendered.Result;
    }

    /// <summary>
    /// A user's template: includes inlined, placeholders filled (<c>{{upstream_unix}}</c> gets a bridge to the upstream
    /// unless only validating), then isolated (see <see cref="NginxIsolation"/>), with a throwaway certificate if TLS needs one.
    /// </summary>
    private static (string Text, Rendered Result) RenderUserConfig(LabSandbox lab, NginxOptions options, NginxPaths paths, string listen, IPEndPoint upstream, bool validateOnly)
    {
        var template = options.ConfigTemplatePath!;
        var target = $"{upstream.Address}:{upstream.Port}";
        var source = NginxSource.Load(template);
        var placeholders = NginxConfig.Placeholders(source.Text);
        var hasUpstream = placeholders.Any(p => p == "upstream" || p == "upstream_unix" || p.StartsWith("upstream:", StringComparison.Ordinal));
        var missing = new[] { ("listen", placeholders.Contains("listen")), ("upstream", hasUpstream) }.Where(p => !p.Item2).Select(p => p.Item1).ToList();
        if (missing.Count > 0)
        {
            throw new NginxConfigException($"{template} has no {string.Join(" and no ", missing.Select(p => $"{{{{{p}}}}}"))} placeholder: see nginx/README.md");
        }
        var values = new Dictionary<string, string> { ["listen"] = listen, ["upstream"] = target };
        foreach (var named in placeholders.Where(p => p.StartsWith("upstream:", StringComparison.Ordinal))) values[named] = target;
        if (placeholders.Contains("upstream_unix"))
        {
            var socket = Path.Combine(lab.Directory, "up.sock"); // short: a unix socket path has at most 107 bytes
            values["upstream_unix"] = $"unix:{socket}";
            if (!validateOnly) UnixSocketBridge.Start(lab, socket, upstream);
        }
        var rendered = NginxConfig.Render(source.Text, values);
        var tls = Path.Combine(paths.Prefix, "tls");
        var certificate = options.TlsCertificatePath is { } c ? Path.GetFullPath(c) : Path.Combine(tls, "lab.crt");
        var key = options.TlsKeyPath is { } k ? Path.GetFullPath(k) : Path.Combine(tls, "lab.key");
        var isolated = NginxIsolation.Isolate(rendered, listen, paths, LabSandbox.FreePort, (certificate, key), line => source.At(line)?.Where ?? $"line {line}");
        if (isolated.Listener.Unsupported is { } unsupported)
        {
            throw new NginxConfigException($"the {{{{listen}}}} listener needs {unsupported}, which the lab's clients do not speak: check a copy of the config without it");
        }
        if (options.TlsCertificatePath is null && isolated.Text.Contains(certificate, StringComparison.Ordinal)) NginxCertificate.Write(tls, options.TlsHost);
        return (isolated.Text, new Rendered(paths, source, isolated.Listener, [.. source.Notes, .. isolated.Notes, .. NginxConfig.Additions(isolated.Text, Environment.IsPrivilegedProcess)]));
    }

    /// <summary><c>nginx -t</c>: a config nginx rejects fails here with nginx's own words, before anything runs.</summary>
    private static async Task TestAsync(LabSandbox lab, NginxOptions options, Rendered rendered, CancellationToken cancellationToken)
    {
        var check = await RuntimeOf(lab, options).RunAsync(lab, Launch(options, rendered.Paths, test: true), TimeSpan.FromSeconds(20), cancellationToken).ConfigureAwait(false);
        if (check.ExitCode == 0) return;
        var message = PointAtLine(NginxProgram.Emerg(check.Output), rendered);
        var hint = NginxHints.For(message, await VersionAsync(lab, options, cancellationToken).ConfigureAwait(false));
        throw new NginxConfigException($"nginx rejected the config: {message}{(hint is null ? "" : $" — {hint}")}");
    }

    /// <summary>nginx names a line of the rendered file in the run dir (gone after the run): name the user's file and line instead.</summary>
    private static string PointAtLine(string message, Rendered rendered)
    {
        var config = rendered.Paths.Config;
        var at = $"in {config}:";
        var i = message.IndexOf(at, StringComparison.Ordinal);
        if (i < 0 || !File.Exists(config)) return message;
        var digits = new string([.. message[(i + at.Length)..].TakeWhile(char.IsDigit)]);
        if (!int.TryParse(digits, out var line)) return message;
        if (rendered.Source is { } source && message.Contains("unexpected end of file", StringComparison.Ordinal) && source.Unclosed() is { } open)
        {
            // The text ended inside a block: nginx names the last line of what it read (the lab's wrapper, for a bare
            // server block); the user needs the block that was never closed.
            return message.Remove(i, at.Length + digits.Length).Insert(i, $"at the end of {source.RootDisplay}: the block \"{open.Block}\" opened at {open.Where} is never closed (a '}}' is missing)");
        }
        if (rendered.Source?.At(line) is { } origin)
        {
            return message.Remove(i, at.Length + digits.Length).Insert(i, $"in {origin.Where}: \"{origin.Text.Trim()}\"");
        }
        if (rendered.Source is { } user)
        {
            // Past the user's last line: what the lab added around a bare server block.
            return message.Remove(i, at.Length + digits.Length).Insert(i, $"at the end of {user.RootDisplay}");
        }
        var lines = File.ReadAllLines(config);
        var text = line >= 1 && line <= lines.Length ? lines[line - 1].Trim() : "";
        return message.Remove(i, at.Length + digits.Length).Insert(i, $"in the rendered config, line {line}: \"{text}\"");
    }

    private static ServerLaunch Launch(NginxOptions options, NginxPaths paths, bool test)
    {
        List<string> args = test ? ["-t", "-q"] : [];
        args.AddRange(["-p", paths.Prefix + "/", "-c", paths.Config, "-e", paths.ErrorLog, "-g", $"daemon off; pid {NginxConfig.Quote(paths.Pid)};"]);
        return new ServerLaunch(NginxProgram.Descriptor, args, test ? $"{options.Name}-t" : options.Name) { ExplicitPath = options.BinaryPath, Image = options.Image };
    }

    /// <summary>The part's own runtime, else the lab's. nginx reaches its upstreams on the host's 127.0.0.1, so it runs on the host network only.</summary>
    private static IServerRuntime RuntimeOf(LabSandbox lab, NginxOptions options)
    {
        var runtime = options.Runtime ?? lab.Settings.Runtime;
        return runtime.ListenAddress == "127.0.0.1"
            ? runtime
            : throw new NotSupportedException($"nginx cannot run on the {runtime.Name} runtime: its upstreams listen on the host's 127.0.0.1 (use the host network)");
    }
}
