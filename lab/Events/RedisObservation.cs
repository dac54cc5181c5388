using System.Globalization;

namespace BrokenPipe.Lab.Events;

/// <summary>
/// What redis-server reported, field by field, so that checks match on these fields and never on the event's text: the
/// client a log line is about (<see cref="EventKind.RedisOutputBufferLimit"/>, <see cref="EventKind.RedisIdleClientClosed"/>),
/// or an INFO section or CLIENT LIST the lab read (<see cref="EventKind.RedisSnapshot"/>).
/// </summary>
public sealed record RedisObservation
{
    /// <summary>
    /// Redis's own fields under Redis's own names: for a log line about a client, the client's description (addr, name,
    /// flags, sub, omem, cmd …); for an INFO snapshot, every field of the section (run_id, uptime_in_seconds …), not only
    /// those the detail shows; for one client of a CLIENT LIST, its fields.
    /// </summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>On a snapshot: what was read, an INFO section's name ("server", "clients") or "CLIENT LIST".</summary>
    public string? Snapshot { get; init; }

    /// <summary>On a CLIENT LIST snapshot: every client, each with its <see cref="Fields"/>.</summary>
    public IReadOnlyList<RedisObservation>? Clients { get; init; }

    /// <summary>
    /// On <see cref="EventKind.RedisOutputBufferLimit"/>: true for the hard limit ("scheduled to be closed ASAP", while
    /// writing), false for the soft one (closed by clientsCron after its seconds).
    /// </summary>
    public bool? HardLimit { get; init; }

    /// <summary>A field as Redis wrote it, or null when it did not.</summary>
    public string? Field(string name) => Fields.GetValueOrDefault(name);

    /// <summary>A whole-number field (omem, uptime_in_seconds), or null when it is missing or not a number.</summary>
    public long? Number(string name) =>
        long.TryParse(Field(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Whether the client is a pub/sub subscriber (P in its flags).</summary>
    public bool IsPubsub => Field("flags")?.Contains('P', StringComparison.Ordinal) == true;
}
