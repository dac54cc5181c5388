using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.RawTcp;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;
using BrokenPipe.Lab.Runtimes;
using BrokenPipe.Scenarios;

// The docker runtime's figures. "parts [N]": start-to-ready and stop of nginx and redis-server, N times each, side by
// side in one run: a local process, the docker runtime (Testcontainers, host network), and a plain
// `docker run --network host` of the same image. "leak [N]": N docker-runtime runs, then a run SIGKILLed mid-scenario,
// then one more run: no lab container, network or bound port may be left. Images: BROKENPIPE_LAB_NGINX_IMAGE /
// BROKENPIPE_LAB_REDIS_IMAGE, else built here with images build's code. Loopback and the host network only; bounded.
if (DockerEngine.Unavailable is { } none)
{
    Console.Error.WriteLine(none);
    return 2;
}
var mode = args.Length > 0 ? args[0] : "parts";
var count = args.Length > 1 && int.TryParse(args[1], out var n) && n > 0 ? n : mode == "leak" ? 100 : 10;
var settings = LabSettings.FromEnvironment() with { Runtime = DockerRuntime.HostNetwork };
settings = settings with
{
    Images = new Dictionary<string, string>
    {
        ["nginx"] = settings.Images.GetValueOrDefault("nginx") ?? await LocalImages.BuildAsync(NginxProgram.Descriptor),
        ["redis"] = settings.Images.GetValueOrDefault("redis") ?? await LocalImages.BuildAsync(RedisProgram.Descriptor),
    },
};
return mode switch
{
    "parts" => await Parts.RunAsync(settings, count),
    "leak" => await Leak.RunAsync(settings, count),
    "victim" => await Leak.VictimAsync(settings),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: bash bench/docker.sh parts [N] | leak [N]");
    return 2;
}

/// <summary>Start-to-ready and stop of each part on each way of running it.</summary>
internal static class Parts
{
    public static async Task<int> RunAsync(LabSettings docker, int starts)
    {
        var local = docker with { Runtime = LocalRuntime.Instance };
        var rows = new List<(string Part, string How, List<double> Start, List<double> Stop, double? First)>();
        // The first container of the process (Testcontainers' own start-up, the engine's first API calls) is measured first.
        var first = await RedisAsync(docker);
        rows.Add(("redis-server", "local process", [], [], null));
        rows.Add(("redis-server", "docker runtime (Testcontainers, host network)", [], [], first.Start));
        rows.Add(("redis-server", "plain docker run --network host", [], [], null));
        rows.Add(("nginx", "local process", [], [], null));
        rows.Add(("nginx", "docker runtime (Testcontainers, host network)", [], [], null));
        rows.Add(("nginx", "plain docker run --network host", [], [], null));
        for (var i = 0; i < starts; i++)
        {
            // Interleaved, so that a busy moment of the shared machine hits every way alike.
            Add(rows[0], await RedisAsync(local));
            Add(rows[1], await RedisAsync(docker));
            Add(rows[2], await PlainRedisAsync(docker.Images["redis"]));
            Add(rows[3], await NginxAsync(local));
            Add(rows[4], await NginxAsync(docker));
            Add(rows[5], await PlainNginxAsync(docker.Images["nginx"]));
            Console.Error.Write($"\r{i + 1}/{starts}");
        }
        Console.Error.WriteLine();
        Console.WriteLine($"images: {docker.Images["nginx"]}, {docker.Images["redis"]}; engine {DockerEngine.Description}; {starts} starts each, interleaved; median (min–max) in ms");
        Console.WriteLine();
        Console.WriteLine("| part | how | start → ready | stop |");
        Console.WriteLine("|---|---|--:|--:|");
        foreach (var (part, how, start, stop, _) in rows) Console.WriteLine($"| {part} | {how} | {Stats(start)} | {Stats(stop)} |");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first container of the process (redis-server, docker runtime): {first.Start:0} ms"));
        foreach (var part in new[] { "redis-server", "nginx" })
        {
            var tc = Median(rows.Single(r => r.Part == part && r.How.StartsWith("docker runtime", StringComparison.Ordinal)).Start);
            var plain = Median(rows.Single(r => r.Part == part && r.How.StartsWith("plain", StringComparison.Ordinal)).Start);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{part}: docker runtime / plain docker run = {tc / plain:0.00}x (target ≤ 1.3x)"));
        }
        return 0;
    }

    private static void Add((string, string, List<double> Start, List<double> Stop, double?) row, (double Start, double Stop) m)
    {
        row.Start.Add(m.Start);
        row.Stop.Add(m.Stop);
    }

    /// <summary>The part's own StartupTime (launch → PING answers), and its DisposeAsync.</summary>
    private static Task<(double Start, double Stop)> RedisAsync(LabSettings settings) =>
        MeasurePartAsync("bench-redis", settings, async lab =>
        {
            var redis = await RedisServer.StartAsync(lab);
            return (redis.StartupTime, redis);
        });

    /// <summary>The part's own StartupTime (launch → port accepts; its <c>nginx -t</c> before is not included), and its DisposeAsync.</summary>
    private static Task<(double Start, double Stop)> NginxAsync(LabSettings settings) =>
        MeasurePartAsync("bench-nginx", settings, async lab =>
        {
            var upstream = await RawTcpServer.StartAsync(lab, new RawTcpServerOptions());
            var nginx = await NginxProxy.StartAsync(lab, upstream.Endpoint);
            return (nginx.StartupTime, nginx);
        });

    /// <summary>Starts a part in a lab of its own; its StartupTime, and how long its DisposeAsync takes (the lab is disposed after).</summary>
    private static async Task<(double Start, double Stop)> MeasurePartAsync(string name, LabSettings settings, Func<LabSandbox, Task<(TimeSpan Startup, IAsyncDisposable Part)>> start)
    {
        var lab = new LabSandbox(name) { Settings = settings };
        try
        {
            var (startup, part) = await start(lab);
            var clock = Stopwatch.StartNew();
            await part.DisposeAsync();
            return (startup.TotalMilliseconds, clock.Elapsed.TotalMilliseconds);
        }
        finally
        {
            await lab.DisposeAsync();
        }
    }

    private static async Task<(double Start, double Stop)> PlainRedisAsync(string image)
    {
        var port = LabSandbox.FreePort();
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        var clock = Stopwatch.StartNew();
        var id = await DockerCliAsync("run", "-d", "--rm", "--network", "host", "--entrypoint", "redis-server", image, "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");
        await UntilAsync(async ct => Resp.Render(await Resp.CommandAsync(endpoint, ["PING"], ct)) == "PONG");
        var start = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        await DockerCliAsync("rm", "-f", id);
        return (start, clock.Elapsed.TotalMilliseconds);
    }

    private static async Task<(double Start, double Stop)> PlainNginxAsync(string image)
    {
        var port = LabSandbox.FreePort();
        var dir = Directory.CreateTempSubdirectory("bench-plain-nginx-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(dir, "nginx.conf"), $"worker_processes 1; pid {dir}/nginx.pid; events {{}} http {{ access_log off; client_body_temp_path {dir}/b; proxy_temp_path {dir}/p; fastcgi_temp_path {dir}/f; uwsgi_temp_path {dir}/u; scgi_temp_path {dir}/s; server {{ listen 127.0.0.1:{port}; return 200; }} }}");
            var clock = Stopwatch.StartNew();
            var id = await DockerCliAsync("run", "-d", "--rm", "--network", "host", "-v", $"{dir}:{dir}", "--entrypoint", "nginx", image, "-p", dir + "/", "-c", $"{dir}/nginx.conf", "-e", "stderr", "-g", "daemon off;");
            await UntilAsync(async ct =>
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                return true;
            });
            var start = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            await DockerCliAsync("rm", "-f", id);
            return (start, clock.Elapsed.TotalMilliseconds);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Polls every millisecond, as the lab's readiness does, for at most 10 s.</summary>
    private static async Task UntilAsync(Func<CancellationToken, Task<bool>> ready)
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            try
            {
                if (await ready(bound.Token)) return;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
            }
            await Task.Delay(1, bound.Token);
        }
    }

    internal static async Task<string> DockerCliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return p.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException($"docker {string.Join(' ', args)}: {error.Trim()}");
    }

    internal static double Median(List<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private static string Stats(List<double> xs) =>
        string.Create(CultureInfo.InvariantCulture, $"{Median(xs):0} ({xs.Min():0}–{xs.Max():0})");
}

/// <summary>Nothing outlives a run: many runs, a SIGKILLed run, one more run, then nothing of the lab's is left.</summary>
internal static class Leak
{
    private static readonly Scenario Quick = Catalog.Find(ScenarioIds.RedisBigReply)!;
    private static readonly Scenario Long = Catalog.Find(ScenarioIds.RedisCrashRestart)!;

    public static async Task<int> RunAsync(LabSettings settings, int runs)
    {
        var clock = Stopwatch.StartNew();
        var met = 0;
        for (var i = 0; i < runs; i++)
        {
            var result = await ScenarioRunner.RunAsync(Quick, Variant.Broken, settings: settings);
            if (result.Outcome == Outcome.Met) met++;
            Console.Error.Write($"\r{i + 1}/{runs} runs of {Quick.Id} on docker");
        }
        Console.Error.WriteLine();
        var afterRuns = await LabContainersAsync();

        // A run killed mid-scenario: a child process on the docker runtime, SIGKILLed once its Redis container runs.
        var self = Environment.ProcessPath!;
        if (Path.GetFileNameWithoutExtension(self) != "dotnet") throw new InvalidOperationException("run through bench/docker.sh (dotnet BrokenPipe.Bench.Docker.dll)");
        var victim = Process.Start(new ProcessStartInfo(self) { ArgumentList = { Environment.GetCommandLineArgs()[0], "victim" }, RedirectStandardOutput = true, RedirectStandardError = true })!;
        string? container = null;
        for (var i = 0; i < 600 && container is null; i++)
        {
            await Task.Delay(50);
            container = (await Parts.DockerCliAsync("ps", "-q", "--filter", $"label={ContainerLabels.OwnerPid}={victim.Id}")).Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        }
        if (container is null) throw new InvalidOperationException("the victim started no container within 30 s");
        var pid = int.Parse(await Parts.DockerCliAsync("inspect", "-f", "{{.State.Pid}}", container), CultureInfo.InvariantCulture);
        var ports = await PortsOfAsync(pid);
        await Task.Delay(500);
        victim.Kill();
        await victim.WaitForExitAsync();
        var leftAfterKill = await LabContainersAsync();

        // One more run: its lab reaps the dead lab's dir (and its containers); the runtime sweeps by label.
        var last = await ScenarioRunner.RunAsync(Quick, Variant.Broken, settings: settings);
        var left = await LabContainersAsync();
        var networks = (await Parts.DockerCliAsync("network", "ls", "-q")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        var bound = new List<int>();
        foreach (var port in ports)
        {
            if (await BoundAsync(port)) bound.Add(port);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{runs} docker-runtime runs of {Quick.Id} (broken): {met}/{runs} met in {clock.Elapsed.TotalSeconds:0} s; lab containers after them: {afterRuns}"));
        Console.WriteLine($"a run of {Long.Id} SIGKILLed mid-scenario (victim pid {victim.Id}, its Redis container {container[..12]} on port(s) {string.Join(", ", ports)}): lab containers right after the kill: {leftAfterKill}");
        Console.WriteLine($"one more run ({last.Outcome}): lab containers left {left}, networks {networks} (the engine's own 3: bridge, host, none), victim ports still bound: {(bound.Count == 0 ? "none" : string.Join(", ", bound))}");
        var clean = afterRuns == 0 && left == 0 && networks == 3 && bound.Count == 0 && met == runs && last.Outcome == Outcome.Met;
        Console.WriteLine(clean ? "leak test: PASS" : "leak test: FAIL");
        return clean ? 0 : 1;
    }

    /// <summary>The child that gets SIGKILLed: a long scenario on the docker runtime.</summary>
    public static async Task<int> VictimAsync(LabSettings settings)
    {
        await ScenarioRunner.RunAsync(Long, Variant.Broken, settings: settings);
        return 0;
    }

    private static async Task<int> LabContainersAsync() =>
        (await Parts.DockerCliAsync("ps", "-aq", "--filter", $"label={ContainerLabels.Run}")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    /// <summary>The TCP ports process <paramref name="pid"/> listens on (ss -ltnp).</summary>
    private static async Task<List<int>> PortsOfAsync(int pid)
    {
        var psi = new ProcessStartInfo("ss", "-Hltnp") { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var text = await p.StandardOutput.ReadToEndAsync();
        return [.. text.Split('\n').Where(l => l.Contains($"pid={pid},", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3])
            .Select(a => int.Parse(a[(a.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture))];
    }

    private static async Task<bool> BoundAsync(int port)
    {
        var psi = new ProcessStartInfo("ss", $"-Hltn sport = :{port}") { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        return (await p.StandardOutput.ReadToEndAsync()).Trim().Length > 0;
    }
}
