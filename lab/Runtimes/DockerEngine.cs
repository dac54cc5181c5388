using System.Net;
using System.Net.Sockets;
using Docker.DotNet;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// The Docker engine the docker runtime talks to: where it is (<c>DOCKER_HOST</c> or <c>/var/run/docker.sock</c>),
/// whether it answers, and which API version it speaks. Before the first container it sets what Testcontainers needs
/// on this machine, so nobody exports variables by hand: <c>DOCKER_API_VERSION</c> when the engine's maximum is below
/// what Testcontainers asks for, <c>TESTCONTAINERS_RYUK_DISABLED</c> (the lab reaps by its own labels instead), and
/// <c>TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1</c> on a machine that looks like a container (<c>/.dockerenv</c>).
/// The lab never starts an engine.
/// </summary>
public static class DockerEngine
{
    /// <summary>The API version Testcontainers 4.16 asks for; an engine below it gets its own maximum instead.</summary>
    private static readonly Version Wanted = new(1, 44);

    private static readonly Lazy<State> Probe = new(ProbeEngine, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why no engine can be used here (it does not answer), with how to start one; null when it answers.</summary>
    public static string? Unavailable => Probe.Value.Unavailable;

    /// <summary>The engine's version and the API version the lab speaks to it ("20.10.24, API 1.41"), or null.</summary>
    public static string? Description => Probe.Value.Description;

    /// <summary>The engine's endpoint: <c>DOCKER_HOST</c>, else the default unix socket.</summary>
    public static Uri Endpoint { get; } = new(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host ? host : "unix:///var/run/docker.sock");

    /// <summary>A client pinned to the engine's API version (kill, pause, logs, reaping). Throws <see cref="RuntimeMissingException"/> without an engine.</summary>
    internal static DockerClient Client => Probe.Value.Client ?? throw new RuntimeMissingException(Unavailable!);

    /// <summary>Throws <see cref="RuntimeMissingException"/> (one line: how to start an engine) when no engine answers.</summary>
    public static void EnsureAvailable()
    {
        if (Unavailable is { } reason) throw new RuntimeMissingException(reason);
    }

    private static readonly Lazy<string?> Bridge = new(() => BridgeUnavailableAsync().GetAwaiter().GetResult(), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Why a published port cannot be used here: no engine, or the engine's default bridge lies in a private range
    /// (10/8, 172.16/12, 192.168/16), where the lab's machines may send no traffic; null when it is elsewhere (e.g.
    /// 198.19.0.0/24 from <c>dockerd --bip 198.19.0.1/24</c>). Asked once per process.
    /// </summary>
    public static string? BridgeUnavailable => Bridge.Value;

    /// <summary>Whether a docker-proxy process publishes host port <paramref name="port"/> (false where the engine runs with <c>userland-proxy: false</c>).</summary>
    public static bool ProxyPublishes(int port)
    {
        var wanted = $"\0-host-port\0{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}\0";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (cmdline.Contains("docker-proxy", StringComparison.Ordinal) && (cmdline + "\0").Contains(wanted, StringComparison.Ordinal)) return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A process that ended meanwhile, or not ours to read.
            }
        }
        return false;
    }

    private static async Task<string?> BridgeUnavailableAsync()
    {
        if (Unavailable is { } reason) return reason;
        var bridge = await Client.Networks.InspectNetworkAsync("bridge").ConfigureAwait(false);
        var subnet = bridge.IPAM?.Config?.FirstOrDefault()?.Subnet;
        if (subnet is null) return "the engine has no default bridge network (dockerd --bridge=none?)";
        var address = IPAddress.Parse(subnet.Split('/')[0]).GetAddressBytes();
        var isPrivate = address[0] == 10 || (address[0] == 172 && address[1] is >= 16 and < 32) || (address[0] == 192 && address[1] == 168);
        return isPrivate
            ? $"the engine's bridge is {subnet}, a private range this lab sends no traffic to: start dockerd with --bip 198.19.0.1/24 --default-address-pool base=198.19.0.0/16,size=24"
            : null;
    }

    private static State ProbeEngine()
    {
        var hint = $"no Docker engine answers at {Endpoint}: start one (e.g. apt-get install docker.io, then dockerd --bip 198.19.0.1/24 --default-address-pool base=198.19.0.0/16,size=24) or set DOCKER_HOST";
        try
        {
            using var unversioned = new DockerClientBuilder().WithEndpoint(Endpoint).WithTimeout(TimeSpan.FromSeconds(5)).Build();
            var version = unversioned.System.GetVersionAsync().WaitAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            var max = Version.Parse(version.APIVersion);
            var speak = max < Wanted ? max : Wanted;
            Configure(speak);
            var client = new DockerClientBuilder().WithEndpoint(Endpoint).WithApiVersion(speak).Build();
            return new State(null, $"{version.Version}, API {speak}", client);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TimeoutException or DockerApiException or InvalidOperationException or ArgumentException or FormatException or TaskCanceledException)
        {
            return new State(PermissionDenied(e) ?? hint, null, null);
        }
    }

    /// <summary>
    /// An engine that is there but whose socket this user may not open (EACCES): named as such, with the fix, rather
    /// than "no engine answers".
    /// </summary>
    internal static string? PermissionDenied(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException { SocketErrorCode: SocketError.AccessDenied } or UnauthorizedAccessException)
            {
                var socket = Endpoint.IsUnc || Endpoint.Scheme != "unix" ? Endpoint.ToString() : Endpoint.AbsolutePath;
                return $"permission denied on {socket}: add the user to the docker group (usermod -aG docker {Environment.UserName}, then log in again) or run as root";
            }
        }
        return null;
    }

    /// <summary>What Testcontainers reads from the environment, set for this process only and only where the user did not set it.</summary>
    private static void Configure(Version api)
    {
        if (api < Wanted) SetDefault("DOCKER_API_VERSION", api.ToString());
        // Ryuk's pinned image cannot be pulled without a registry and runs privileged; the lab's own labels and reaper
        // remove what a dead lab left (see ContainerLabels).
        SetDefault("TESTCONTAINERS_RYUK_DISABLED", "true");
        // Inside a container (or a VM that carries /.dockerenv) Testcontainers reports the bridge gateway as the host;
        // the lab's containers publish on, and are reached at, 127.0.0.1.
        if (File.Exists("/.dockerenv")) SetDefault("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1");
    }

    private static void SetDefault(string name, string value)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))) Environment.SetEnvironmentVariable(name, value);
    }

    private sealed record State(string? Unavailable, string? Description, DockerClient? Client);
}
