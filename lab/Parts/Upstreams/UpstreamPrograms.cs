using BrokenPipe.Lab.Parts.Upstreams.Go;
using BrokenPipe.Lab.Parts.Upstreams.Java;
using BrokenPipe.Lab.Parts.Upstreams.Node;
using BrokenPipe.Lab.Parts.Upstreams.Python;

namespace BrokenPipe.Lab.Parts.Upstreams;

/// <summary>Every language's upstream program, each declared in its own folder.</summary>
internal static class UpstreamPrograms
{
    public static IReadOnlyList<UpstreamProgram> All { get; } = [GoProgram.Descriptor, NodeProgram.Descriptor, PythonProgram.Descriptor, JavaProgram.Descriptor];

    public static UpstreamProgram Of(UpstreamLanguage language) =>
        All.FirstOrDefault(p => p.Language == language) ?? throw new ArgumentOutOfRangeException(nameof(language), language, "no upstream program in that language yet");
}
