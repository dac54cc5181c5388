using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Clients;

/// <summary>
/// How each <see cref="RedisClientLanguage"/> starts its observer: the .NET observers with the lab's own dotnet host
/// (built with the lab), redis-py with Debian's /usr/bin/python3, the Node ones with node from the lab's cache
/// (~/.cache/brokenpipe-lab/observers/NAME-HASH), where `npm ci` installs the versions pinned by the observer's
/// package-lock.json once — the folder's name carries the hash of the observer's files, so an edit installs afresh.
/// </summary>
internal static class ObserverPrograms
{
    /// <summary>Debian's python3, which has python3-redis (the python3 first on PATH may not).</summary>
    public const string Python = "/usr/bin/python3";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    /// <summary>The start of <paramref name="kind"/>'s observer; installs a Node observer's packages first if they are not in the cache.</summary>
    public static async Task<ProcessStartInfo> LaunchAsync(RedisClientKind kind, Action<string> say, CancellationToken cancellationToken)
    {
        switch (kind.Language)
        {
            case RedisClientLanguage.Dotnet:
            {
                var program = Path.Combine(SeRedisDirectory(kind.SeRedis!.Value), "SeRedis.Observer.dll");
                if (!File.Exists(program)) throw new FileNotFoundException($"the {kind.Library} observer is not built at {program}: build BrokenPipe.Lab.sln first", program);
                return Start(DotnetHost(), "exec", program);
            }
            case RedisClientLanguage.Python:
            {
                if (!File.Exists(Python)) throw new RuntimeMissingException($"{kind.Name} needs Debian's {Python} with python3-redis: apt-get install python3-redis");
                return Start(Python, "-u", Path.Combine(SourceDirectory(kind), "observer.py"));
            }
            default:
                return Start("node", Path.Combine(await InstalledAsync(kind, say, cancellationToken).ConfigureAwait(false), "observer.js"));
        }
    }

    private static ProcessStartInfo Start(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>The cache folder holding the Node observer and its installed packages; `npm ci` runs there once.</summary>
    private static async Task<string> InstalledAsync(RedisClientKind kind, Action<string> say, CancellationToken cancellationToken)
    {
        var source = SourceDirectory(kind);
        // The observer's own files, and the protocol loop the Node observers share (observers/node-shared), copied beside them.
        string[] files =
        [
            Path.Combine(source, "observer.js"), Path.Combine(source, "package.json"), Path.Combine(source, "package-lock.json"),
            Path.Combine(source, "..", "node-shared", "observer-loop.js"),
        ];
        var hash = Convert.ToHexStringLower(SHA256.HashData(files.SelectMany(File.ReadAllBytes).ToArray()))[..12];
        var target = Path.Combine(CacheRoot(), "observers", $"{kind.Folder}-{hash}");
        var marker = Path.Combine(target, ".installed");
        if (File.Exists(marker)) return target;
        await InstallGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (File.Exists(marker)) return target;
            // Another process may be installing the same folder: one lock file decides (released when its holder exits).
            Directory.CreateDirectory(target);
            using var gate = await LockAsync(Path.Combine(target, ".lock"), cancellationToken).ConfigureAwait(false);
            if (File.Exists(marker)) return target;
            foreach (var f in files) File.Copy(f, Path.Combine(target, Path.GetFileName(f)), overwrite: true);
            say($"{kind.Name}: installing {kind.Library} with `npm ci` into {target} (once; cached)");
            var (code, output) = await Command.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", target], timeout: TimeSpan.FromMinutes(3), cancellationToken: cancellationToken).ConfigureAwait(false);
            if (code != 0)
            {
                var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";
                throw new RuntimeMissingException($"{kind.Name}: `npm ci` could not install {kind.Library} into {target} (is the npm registry reachable?): {last}");
            }
            await File.WriteAllTextAsync(marker, kind.Library, cancellationToken).ConfigureAwait(false);
            return target;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new RuntimeMissingException($"{kind.Name} needs node and npm (Node 20): apt-get install nodejs npm");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    private static async Task<FileStream> LockAsync(string path, CancellationToken cancellationToken)
    {
        for (var tries = 0; ; tries++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (tries < 1800)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>$XDG_CACHE_HOME/brokenpipe-lab, else ~/.cache/brokenpipe-lab.</summary>
    private static string CacheRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "brokenpipe-lab");
    }

    /// <summary>A script observer's folder: beside the lab's assembly (a package), else the repository's observers/.</summary>
    private static string SourceDirectory(RedisClientKind kind)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "observers", kind.Folder);
        if (Directory.Exists(beside)) return beside;
        var repository = Metadata("ObserverSources") ?? AppContext.BaseDirectory;
        return Path.Combine(repository, kind.Folder);
    }

    /// <summary>Where the StackExchange.Redis observers were built: beside the lab's assembly (a package), else the build's own output.</summary>
    private static string SeRedisDirectory(SeRedisVersion version)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "seredis", version.Name());
        if (Directory.Exists(beside)) return beside;
        return Path.Combine(Metadata("SeRedisObservers") ?? AppContext.BaseDirectory, version.Name());
    }

    private static string? Metadata(string key) =>
        typeof(ObserverPrograms).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == key)?.Value;

    /// <summary>The dotnet host that runs this process (or the one on PATH).</summary>
    private static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (root is not null && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location); // …/shared/Microsoft.NETCore.App/10.0.x
        var host = runtime is null ? null : Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", "dotnet"));
        return host is not null && File.Exists(host) ? host : "dotnet";
    }
}
