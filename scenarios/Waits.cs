namespace BrokenPipe.Scenarios;

/// <summary>Bounded waits the catalog shares.</summary>
internal static class Waits
{
    /// <summary>
    /// A server handler (a raw connection handler or a Kestrel request, by actor) has finished, well or badly: servers
    /// finish their work whatever the client did, and a scenario's timeline is only whole once they have.
    /// </summary>
    public static Task<LabEvent> HandlerDoneAsync(Timeline timeline, string actor, TimeSpan bound, CancellationToken ct) =>
        timeline.WaitForAsync(
            e => e.Side == Side.Server && e.Kind is EventKind.HandlerCompleted or EventKind.HandlerFailed && e.Actor == actor,
            bound,
            $"the handler of {actor} to finish",
            ct);
}
