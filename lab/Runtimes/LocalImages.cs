using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using System.Text.RegularExpressions;
using Docker.DotNet.Models;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// Builds images for the docker runtime from the host's own packages, for machines that reach no registry: FROM scratch,
/// the program's binary, the shared libraries <c>ldd</c> lists, and a minimal /etc (passwd, group, nsswitch.conf, hosts;
/// and the files its <see cref="ServerProgram"/> names, e.g. nginx's mime.types). The program is found or installed as the local runtime does it; the image is tagged with its
/// version (<c>brokenpipe-lab/nginx:1.22.1</c>). The images have no shell: readiness is always probed from the host.
/// </summary>
internal static partial class LocalImages
{
    /// <summary>Builds the image of <paramref name="program"/> and returns its tag; <paramref name="say"/> gets one progress line.</summary>
    public static async Task<string> BuildAsync(ServerProgram program, Action<string>? say = null, CancellationToken cancellationToken = default)
    {
        DockerEngine.EnsureAvailable();
        var repository = program.LocalImageRepository ?? throw new ArgumentException($"{program.Name} does not run in a container", nameof(program));
        var clock = Stopwatch.StartNew();
        var binary = await BinaryLocator.LocateAsync(program, say: say, cancellationToken: cancellationToken).ConfigureAwait(false);
        var version = await VersionAsync(program, binary, cancellationToken).ConfigureAwait(false);
        var tag = $"{repository}:{version}";
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal) { [binary] = binary };
        foreach (var library in await LibrariesAsync(binary, cancellationToken).ConfigureAwait(false)) files[library] = library;
        foreach (var file in program.ImageFiles.Where(File.Exists)) files[file] = file;

        using var context = new MemoryStream();
        long size = 0;
        await using (var tar = new TarWriter(context, TarEntryFormat.Pax, leaveOpen: true))
        {
            await AddTextAsync(tar, "Dockerfile", Dockerfile(program, version), cancellationToken).ConfigureAwait(false);
            foreach (var (inImage, onHost) in files)
            {
                // A symlink's target's bytes under the link's name: the image has only what ldd named.
                var real = new FileInfo(onHost).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onHost;
                var entry = new PaxTarEntry(TarEntryType.RegularFile, "rootfs" + inImage) { Mode = (UnixFileMode)0x1ED };
                await using var data = File.OpenRead(real);
                size += data.Length;
                entry.DataStream = data;
                await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
            }
            foreach (var (path, text) in MinimalEtc) await AddTextAsync(tar, "rootfs" + path, text, cancellationToken).ConfigureAwait(false);
            foreach (var dir in program.ImageDirectories)
            {
                await tar.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, "rootfs" + dir) { Mode = (UnixFileMode)0x3FF }, cancellationToken).ConfigureAwait(false);
            }
        }
        context.Position = 0;

        var errors = new StringBuilder();
        await DockerEngine.Client.Images.BuildImageFromDockerfileAsync(
            new ImageBuildParameters { Tags = [tag], Dockerfile = "Dockerfile", Remove = true, ForceRemove = true, Labels = new Dictionary<string, string> { ["brokenpipe.lab.image"] = program.Name } },
            context,
            null,
            null,
            new Progress<JSONMessage>(m => { if (m.Error?.Message is { Length: > 0 } e) errors.Append(e); }),
            cancellationToken).ConfigureAwait(false);
        if (errors.Length > 0) throw new InvalidOperationException($"building {tag} failed: {errors}");
        say?.Invoke($"built {tag}: {program.Name} {version} from {binary} and {files.Count - 1} libraries, {size / 1e6:0.0} MB, in {clock.Elapsed.TotalSeconds:0.0} s");
        return tag;
    }

    /// <summary>The program's version as its binary prints it ("1.22.1" from <c>nginx -v</c>, "7.0.15" from <c>redis-server --version</c>).</summary>
    public static async Task<string> VersionAsync(ServerProgram program, string binary, CancellationToken cancellationToken = default)
    {
        var (_, output) = await Command.RunAsync(binary, program.VersionArguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        var match = VersionPattern().Match(output);
        return match.Success ? match.Groups[1].Value : throw new InvalidOperationException($"cannot read {program.Name}'s version from: {output.Trim()}");
    }

    /// <summary>The absolute paths <c>ldd</c> lists for <paramref name="binary"/> (the loader included).</summary>
    internal static async Task<IReadOnlyList<string>> LibrariesAsync(string binary, CancellationToken cancellationToken)
    {
        var (code, output) = await Command.RunAsync("ldd", [binary], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (code != 0) throw new InvalidOperationException($"ldd {binary} failed: {output.Trim()}");
        return [.. LibraryPattern().Matches(output).Select(m => m.Groups[1].Value).Where(File.Exists).Distinct()];
    }

    private static string Dockerfile(ServerProgram program, string version) => $"""
        FROM scratch
        COPY rootfs/ /
        ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        LABEL org.opencontainers.image.title="{program.Name}" org.opencontainers.image.version="{version}" org.opencontainers.image.description="{program.Name} from the host's {program.DebianPackage} package, built by BrokenPipe.Lab's images build"
        ENTRYPOINT ["{program.Name}"]
        """;

    private static readonly (string Path, string Text)[] MinimalEtc =
    [
        ("/etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/sbin/nologin\nnginx:x:101:101:nginx:/nonexistent:/sbin/nologin\nredis:x:999:999:redis:/data:/sbin/nologin\n"),
        ("/etc/group", "root:x:0:\nnogroup:x:65534:\nwww-data:x:33:\nnginx:x:101:\nredis:x:999:\n"),
        ("/etc/nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\n"),
        ("/etc/hosts", "127.0.0.1 localhost\n"),
    ];

    private static async Task AddTextAsync(TarWriter tar, string name, string text, CancellationToken cancellationToken)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)0x1A4, DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) };
        await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
    }

    [GeneratedRegex(@"(?:/|v=|version )(\d+\.\d+\.\d+)")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"(?m)(?:=>\s*|^\s*)(/\S+)\s+\(0x")]
    private static partial Regex LibraryPattern();
}
