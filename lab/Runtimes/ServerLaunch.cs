namespace BrokenPipe.Lab.Runtimes;

/// <summary>What to run: a program, its arguments, and the actor name the lab gives it.</summary>
internal sealed record ServerLaunch(ServerProgram Program, IReadOnlyList<string> Arguments, string Name)
{
    /// <summary>An explicit path to the program's binary; null means find it (PATH, then the usual places), installing it if allowed.</summary>
    public string? ExplicitPath { get; init; }

    /// <summary>The image for a container runtime; null means the lab's settings (<see cref="LabSettings.ImageFor"/>).</summary>
    public string? Image { get; init; }

    /// <summary>The ports the server listens on, for a runtime that must publish them. The default value is none.</summary>
    public IReadOnlyList<int> Ports { get; init; } = [];
}
