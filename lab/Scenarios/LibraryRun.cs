using BrokenPipe.Lab.Clients;

namespace BrokenPipe.Lab.Scenarios;

/// <summary>One StackExchange.Redis client on a run's timeline: its version, its actor name, and the run's events.</summary>
/// <param name="Version">The library version.</param>
/// <param name="Actor">Its actor name ("se-redis@3.4.35").</param>
/// <param name="Events">Every event of the run.</param>
public sealed record LibraryRun(SeRedisVersion Version, string Actor, IReadOnlyList<LabEvent> Events)
{
    /// <summary>This client's own events.</summary>
    public IEnumerable<LabEvent> Mine => Events.Where(e => e.Actor == Actor);

    /// <summary>This client's events of <paramref name="kind"/>.</summary>
    public IEnumerable<LabEvent> Of(EventKind kind) => Mine.Where(e => e.Kind == kind);

    /// <summary>The clients on a timeline: one per Connected event that carries a library version, in version order.</summary>
    public static IReadOnlyList<LibraryRun> On(IReadOnlyList<LabEvent> events) =>
        [.. events.Where(e => e.Kind == EventKind.Connected && e.Library is not null && e.Actor is not null)
            .Select(e => (Version: SeRedisVersions.Parse(e.Library!.Version)?.FirstOrDefault(), Actor: e.Actor!))
            .Where(c => c.Version is not null)
            .DistinctBy(c => c.Actor)
            .OrderBy(c => c.Version)
            .Select(c => new LibraryRun(c.Version!.Value, c.Actor, events))];

    /// <summary>
    /// A check that holds when at least one library client ran and every one that did meets <paramref name="holds"/>
    /// (which may expect different things of different versions: say which in <paramref name="description"/>).
    /// </summary>
    public static Check Each(string description, Func<LibraryRun, bool> holds) =>
        new(description, events => On(events) is { Count: > 0 } runs && runs.All(holds));
}
