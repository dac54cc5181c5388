using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Scenarios.Tests;

/// <summary>
/// A theory skipped, with the reason, where no Docker engine answers — or, with <see cref="NeedsBridge"/>, where its
/// bridge lies in a private range (a published port's traffic would go there).
/// </summary>
public sealed class DockerTheoryAttribute : TheoryAttribute
{
    /// <summary>The cases publish ports on the engine's bridge. The default value is false (host network only).</summary>
    public bool NeedsBridge { get; set; }

    /// <summary>The reason to skip: <see cref="DockerEngine.Unavailable"/>, or <see cref="DockerEngine.BridgeUnavailable"/> with <see cref="NeedsBridge"/>.</summary>
    public override string? Skip
    {
        get => base.Skip ?? (NeedsBridge ? DockerEngine.BridgeUnavailable : DockerEngine.Unavailable);
        set => base.Skip = value;
    }
}
