namespace BrokenPipe.Scenarios;

/// <summary>Event predicates the catalog's checks share.</summary>
internal static class On
{
    public static Func<LabEvent, bool> Kind(EventKind kind, string? actor = null) =>
        e => e.Kind == kind && (actor is null || e.Actor == actor);

    public static Func<LabEvent, bool> Failed(EventKind kind, string actor, int errno, int? index = null) =>
        e => e.Kind == kind && e.Actor == actor && e.Errno == errno && (index is null || e.Index == index);

    public static Func<LabEvent, bool> Sent(string actor, int index) =>
        e => e.Kind == EventKind.Sent && e.Actor == actor && e.Index == index;

    public static bool IsSocketFailure(LabEvent e) => e.Failure is SocketFailure.BrokenPipe or SocketFailure.ConnectionReset;

    /// <summary>Time from the first <paramref name="first"/> event to the first <paramref name="then"/> event, or null.</summary>
    public static TimeSpan? Gap(IReadOnlyList<LabEvent> events, Func<LabEvent, bool> first, Func<LabEvent, bool> then)
    {
        var a = events.FirstOrDefault(first);
        var b = events.FirstOrDefault(then);
        return a is null || b is null ? null : b.At - a.At;
    }

    /// <summary>"B came at most <paramref name="max"/> after A" (and not before it).</summary>
    public static bool Within(IReadOnlyList<LabEvent> events, Func<LabEvent, bool> first, Func<LabEvent, bool> then, TimeSpan max) =>
        Gap(events, first, then) is { } gap && gap >= TimeSpan.Zero && gap <= max;
}
