namespace BrokenPipe.Lab.Scenarios;

/// <summary>Small builders for the checks scenarios use most; anything else is a <see cref="Check"/> with a lambda.</summary>
public static class Expect
{
    public static Check That(string description, Func<IReadOnlyList<LabEvent>, bool> holds) => new(description, holds);

    /// <summary>Some event matches.</summary>
    public static Check Event(string description, Func<LabEvent, bool> match) => new(description, events => events.Any(match));

    /// <summary>No event matches.</summary>
    public static Check No(string description, Func<LabEvent, bool> match) => new(description, events => !events.Any(match));

    /// <summary>An event of <paramref name="kind"/> on <paramref name="side"/>, optionally by <paramref name="actor"/>.</summary>
    public static Check Event(string description, Side side, EventKind kind, string? actor = null) =>
        Event(description, new EventPattern(side, kind) { Actor = actor });

    /// <summary>An event that matches <paramref name="pattern"/> (a failure, an errno, an actor, an index).</summary>
    public static Check Event(string description, EventPattern pattern) => Event(description, pattern.Matches);

    /// <summary>Who closed first.</summary>
    public static Check FirstDisconnect(Side side, string? how = null) =>
        new(
            $"the {TimelineFormat.SideName(side)} disconnects first" + (how is null ? "" : $" ({how})"),
            events => Events.FirstDisconnect.Find(events) is { } first && first.Side == side && (how is null || first.How == how));

    /// <summary>The first event matching <paramref name="match"/> happened within [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public static Check At(string description, Func<LabEvent, bool> match, TimeSpan from, TimeSpan to) =>
        new(description, events => events.FirstOrDefault(match) is { } e && e.At >= from && e.At <= to);
}
