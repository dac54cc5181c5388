namespace BrokenPipe.Lab.Runtimes;

/// <summary>A server program the lab runs as a real process: its name, where it usually lives, and how each platform installs it.</summary>
internal sealed record ServerProgram(string Name, string DebianPackage, string FedoraPackage, string BrewPackage, IReadOnlyList<string> Candidates)
{
    /// <summary>The official image a user would pull for the docker runtime (null for a tool that never runs in a container).</summary>
    public string? OfficialImage { get; init; }

    /// <summary>The repository <c>images build</c> tags its local image with (the tag is the program's version).</summary>
    public string? LocalImageRepository { get; init; }

    public static ServerProgram Nginx { get; } = new("nginx", "nginx-light", "nginx", "nginx", ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/opt/homebrew/bin/nginx"])
    {
        OfficialImage = "nginx:1.27",
        LocalImageRepository = "brokenpipe-lab/nginx",
    };

    public static ServerProgram Redis { get; } = new("redis-server", "redis-server", "redis", "redis", ["/usr/bin/redis-server", "/usr/local/bin/redis-server", "/opt/homebrew/bin/redis-server"])
    {
        OfficialImage = "redis:7.4",
        LocalImageRepository = "brokenpipe-lab/redis",
    };

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
