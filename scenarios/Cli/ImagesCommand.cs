using BrokenPipe.Lab.Parts;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// <c>images build</c>: local images of the parts' server programs (<see cref="ServerPrograms.All"/>) for the docker runtime, built FROM scratch from this
/// machine's packages (installed first if allowed, as the local runtime does), tagged with each program's version.
/// Progress goes to stderr; stdout gets one <c>VARIABLE=TAG</c> line per image, ready for <c>export</c>.
/// </summary>
public sealed class ImagesCommand(TextWriter stdout, TextWriter stderr)
{
    /// <summary>Runs the command; 0 when every image was built, 1 when the engine or a program is missing.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        if (args.Count != 1 || args[0] != "build") throw new CliException("usage: images build");
        if (DockerEngine.Unavailable is { } reason)
        {
            await stderr.WriteLineAsync($"error: {reason}");
            return 1;
        }
        var tags = new List<(ServerProgram Program, string Tag)>();
        foreach (var program in ServerPrograms.All)
        {
            await stderr.WriteLineAsync($"building the {program.Name} image from this machine's {program.DebianPackage} …");
            try
            {
                tags.Add((program, await LocalImages.BuildAsync(program, line => stderr.WriteLine($"  {line}"), cancellationToken)));
            }
            catch (RuntimeMissingException e)
            {
                await stderr.WriteLineAsync($"error: {e.Message}");
                return 1;
            }
        }
        foreach (var (program, tag) in tags) await stdout.WriteLineAsync($"{program.ImageVariable}={tag}");
        await stderr.WriteLineAsync($"use them: run … --runtime docker {string.Join(" ", tags.Select(t => $"--image {t.Program.Key}={t.Tag}"))} (or export the lines above)");
        return 0;
    }
}
