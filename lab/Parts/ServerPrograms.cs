using BrokenPipe.Lab.Parts.HAProxy;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Parts;

/// <summary>
/// The server programs the lab's parts run, each declared in its part's folder: <c>images build</c> builds one image per
/// program, and the CLI's <c>--image PROGRAM=TAG</c> accepts their short names. A new part adds its descriptor here.
/// </summary>
internal static class ServerPrograms
{
    public static IReadOnlyList<ServerProgram> All { get; } = [NginxProgram.Descriptor, RedisProgram.Descriptor, HAProxyProgram.Descriptor];

    /// <summary>The program whose short name is <paramref name="key"/> (<c>nginx</c>, <c>redis</c>, <c>haproxy</c>), or null.</summary>
    public static ServerProgram? Find(string key) => All.FirstOrDefault(p => p.Key == key);
}
