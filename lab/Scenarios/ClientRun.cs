namespace BrokenPipe.Lab.Scenarios;

/// <summary>One Redis client on a run's timeline (any <see cref="RedisClientKind"/>): its kind, its actor name, and the run's events.</summary>
/// <param name="Kind">Which client.</param>
/// <param name="Actor">Its actor name ("redis-py").</param>
/// <param name="Events">Every event of the run.</param>
public sealed record ClientRun(RedisClientKind Kind, string Actor, IReadOnlyList<LabEvent> Events)
{
    /// <summary>This client's own events.</summary>
    public IEnumerable<LabEvent> Mine => Events.Where(e => e.Actor == Actor);

    /// <summary>This client's events of <paramref name="kind"/>.</summary>
    public IEnumerable<LabEvent> Of(EventKind kind) => Mine.Where(e => e.Kind == kind);

    /// <summary>This client's events whose verbatim words (the library's own text) contain <paramref name="text"/>.</summary>
    public IEnumerable<LabEvent> Said(string text) => Mine.Where(e => e.Verbatim?.Contains(text, StringComparison.Ordinal) == true);

    /// <summary>This client's commands that failed with <paramref name="text"/> in their exception chain.</summary>
    public IEnumerable<LabEvent> FailedWith(string text) => Of(EventKind.CommandFailed).Where(e => e.Verbatim?.Contains(text, StringComparison.Ordinal) == true);

    /// <summary>The clients on a timeline: one per Connected event that names its client, in <see cref="RedisClientKinds.All"/> order.</summary>
    public static IReadOnlyList<ClientRun> On(IReadOnlyList<LabEvent> events) =>
        [.. events.Where(e => e.Kind == EventKind.Connected && e.Library?.Client is not null && e.Actor is not null)
            .Select(e => (Kind: RedisClientKinds.Named(e.Library!.Client!), Actor: e.Actor!))
            .Where(c => c.Kind is not null)
            .DistinctBy(c => c.Actor)
            .OrderBy(c => RedisClientKinds.All.ToList().IndexOf(c.Kind!))
            .Select(c => new ClientRun(c.Kind!, c.Actor, events))];

    /// <summary>
    /// The checks of per-client expectations: at least one client ran, and one check per expectation
    /// ("redis-py: …") that holds when every client it names (<see cref="RedisClientKind.Is"/>) that ran meets it; an
    /// expectation of <see cref="ClientExpectation.Every"/> client becomes one check per client, so a failure names its
    /// client. A client the run did not select is not checked: its line holds without it (the run's settings say which ran).
    /// </summary>
    public static IReadOnlyList<Check> Expect(params ClientExpectation[] expectations) =>
    [
        new("at least one Redis client ran", events => On(events).Count > 0),
        .. expectations.SelectMany(x => x.Client == ClientExpectation.Every ? RedisClientKinds.All.Select(k => x with { Client = k.Name }) : [x])
            .Select(x => new Check($"{x.Client}: {x.Claim}", events => On(events).Where(r => x.Covers(r.Kind)).All(x.Holds))),
    ];
}
