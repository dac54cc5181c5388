
namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// A program the lab runs as a real process: its name, where it usually lives, and how each platform installs it. A
/// server program (one a part runs, on either runtime) also says how its image is built, how it is known to be ready, and
/// how its log lines read as events; each part declares its own once, in its folder (<c>Parts/Nginx/NginxProgram</c>,
/// <c>Parts/Redis/RedisProgram</c>), and the runtimes, the images, the settings and the CLI read only this record.
/// </summary>
internal sealed record ServerProgram(string Name, string DebianPackage, string FedoraPackage, string BrewPackage, IReadOnlyList<string> Candidates)
{
    /// <summary>The repository prefix of the images <c>images build</c> makes: <c>brokenpipe-lab/KEY:VERSION</c>.</summary>
    public const string LocalImagePrefix = "brokenpipe-lab/";

    /// <summary>
    /// The short name settings, the CLI and the environment use for the program's image (<c>nginx</c>, <c>redis</c>):
    /// <c>LabSettings.Images["redis"]</c>, <c>--image redis=TAG</c>, <c>BROKENPIPE_LAB_REDIS_IMAGE</c>. The default
    /// value is the program's name.
    /// </summary>
    public string Key { get; init; } = Name;

    /// <summary>The official image a user would pull for the docker runtime (null for a tool that never runs in a container).</summary>
    public string? OfficialImage { get; init; }

    /// <summary>The repository <c>images build</c> tags its local image with (the tag is the program's version); null for a tool.</summary>
    public string? LocalImageRepository => OfficialImage is null ? null : LocalImagePrefix + Key;

    /// <summary>The environment variable that names the program's image for labs nobody configured.</summary>
    public string ImageVariable => ImageVariableOf(Key);

    /// <summary>
    /// The environment variable that names the image of the program whose short name is <paramref name="key"/>:
    /// <c>BROKENPIPE_LAB_NGINX_IMAGE</c> for <c>nginx</c>.
    /// </summary>
    public static string ImageVariableOf(string key) => $"{ImageVariablePrefix}{key.ToUpperInvariant().Replace('-', '_')}{ImageVariableSuffix}";

    /// <summary>What every image variable starts with.</summary>
    public const string ImageVariablePrefix = "BROKENPIPE_LAB_";

    /// <summary>What every image variable ends with.</summary>
    public const string ImageVariableSuffix = "_IMAGE";

    /// <summary>The arguments that make the binary print its version (<c>-v</c>, <c>--version</c>). The default value is <c>--version</c>.</summary>
    public IReadOnlyList<string> VersionArguments { get; init; } = ["--version"];

    /// <summary>Files of the host a FROM-scratch image of the program needs beside its binary and libraries (copied when present).</summary>
    public IReadOnlyList<string> ImageFiles { get; init; } = [];

    /// <summary>Writable directories the program expects in its image. The default value is <c>/tmp</c> and <c>/run</c>.</summary>
    public IReadOnlyList<string> ImageDirectories { get; init; } = ["/tmp", "/run"];

    /// <summary>When a started server of this program is ready (its port accepts, PING answers); null for a tool.</summary>
    public ServerReadiness? Readiness { get; init; }

    /// <summary>The logs the program writes, each with how one of its lines reads as an event (null: a line the lab does not record).</summary>
    public IReadOnlyList<ServerLog> Logs { get; init; } = [];

    /// <summary>nftables, for the packet-drop middlebox's rules (Linux only: no Homebrew package).</summary>
    public static ServerProgram Nft { get; } = new("nft", "nftables", "nftables", "-", ["/usr/sbin/nft", "/sbin/nft"]);

    /// <summary>iproute2's ip, for the packet-drop middlebox's network namespace.</summary>
    public static ServerProgram Ip { get; } = new("ip", "iproute2", "iproute", "-", ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip"]);

    /// <summary>Debian's chromium, for the HTML report's browser tests (the lab points Playwright at it).</summary>
    public static ServerProgram Chromium { get; } = new("chromium", "chromium", "chromium", "-", ["/usr/bin/chromium"]);

    /// <summary>tcpdump, for <c>--pcap</c>'s packet captures.</summary>
    public static ServerProgram Tcpdump { get; } = new("tcpdump", "tcpdump", "tcpdump", "-", ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"]);

    /// <summary>tshark, which reads the captures back (frame numbers of each FIN and RST).</summary>
    public static ServerProgram Tshark { get; } = new("tshark", "tshark", "wireshark-cli", "-", ["/usr/bin/tshark"]);

    /// <summary>The one message for a missing program, naming the install command of each platform.</summary>
    public string InstallHint =>
        $"{Name} is not installed. Install it with: sudo apt-get install {DebianPackage} (Debian/Ubuntu), sudo dnf install {FedoraPackage} (Fedora)" +
        (BrewPackage == "-" ? "" : $", brew install {BrewPackage} (macOS)") + "; or give its path explicitly.";
}
