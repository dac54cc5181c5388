namespace BrokenPipe.Lab.Events;

/// <summary>A bounded wait on the timeline ran out. The message shows what was expected beside what arrived.</summary>
public sealed class TimelineTimeoutException(string what, TimeSpan timeout, IReadOnlyList<LabEvent> soFar)
    : TimeoutException($"Waited {timeout.TotalSeconds:0.###} s for {what}; it did not come. The timeline so far:{Environment.NewLine}{TimelineFormat.Lines(soFar)}")
{
    public IReadOnlyList<LabEvent> SoFar { get; } = soFar;
}
