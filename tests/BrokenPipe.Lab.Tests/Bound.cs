namespace BrokenPipe.Lab.Tests;

/// <summary>The bound every wait in the tests uses: generous enough never to be hit on a slow CI box, short enough to fail fast.</summary>
internal static class Bound
{
    /// <summary>The bound on one wait on the timeline for something that must come.</summary>
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
}
