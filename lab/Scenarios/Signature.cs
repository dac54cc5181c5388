namespace BrokenPipe.Lab.Scenarios;

/// <summary>
/// Something a scenario's broken run really produces, for <c>explain</c> to match people's error messages against: a
/// verbatim fragment of a log line or exception message, or a socket failure (with its errno) on one side. The
/// scenario's own test checks that each one appears in its run, so the declaration cannot drift from what the run does.
/// </summary>
public sealed record Signature
{
    private Signature(string? text, Side? side, SocketFailure? failure, int? errno)
    {
        Text = text;
        Side = side;
        Failure = failure;
        Errno = errno;
    }

    /// <summary>
    /// The StackExchange.Redis version whose application produces it (its words differ between versions), or null when
    /// every run does. A run that observes no application on that version is not asked for it.
    /// </summary>
    public SeRedisVersion? Version { get; private init; }

    /// <summary>The Redis client whose application produces it (redis-py, ioredis …), or null; like <see cref="Version"/>, a run without that client is not asked for it.</summary>
    public RedisClientKind? Client { get; private init; }

    /// <summary>
    /// The upstream whose runtime writes it (<c>go</c>, <c>node</c>: each language has its own words), or null when every
    /// run does. It is asked of a run only when that upstream ran (<see cref="ScenarioResult.Upstream"/>).
    /// </summary>
    public string? Upstream { get; private init; }

    /// <summary>
    /// The reverse proxy whose runs produce it (<c>haproxy</c>: its lines differ from nginx's), or null when every run
    /// does. A run with no part of that proxy (no proxy actor named after it) is not asked for it.
    /// </summary>
    public string? Proxy { get; private init; }

    /// <summary>The verbatim fragment (matched case-insensitively), or null for a failure signature.</summary>
    public string? Text { get; }

    /// <summary>The side the failure surfaces on, for a failure signature.</summary>
    public Side? Side { get; }

    /// <summary>The failure kind, for a failure signature.</summary>
    public SocketFailure? Failure { get; }

    /// <summary>The errno the failure carries, when it has one.</summary>
    public int? Errno { get; }

    /// <summary>A fragment of a line the run logs (nginx, Redis, a library's exception message).</summary>
    public static Signature Logs(string text) => new(text, null, null, null);

    /// <summary>A fragment of what the application on StackExchange.Redis <paramref name="version"/> reports.</summary>
    public static Signature Logs(string text, SeRedisVersion version) => new(text, null, null, null) { Version = version };

    /// <summary>A fragment of what the application on the Redis client <paramref name="client"/> reports.</summary>
    public static Signature Logs(string text, RedisClientKind client) => new(text, null, null, null) { Client = client };

    /// <summary>A fragment of what the upstream <paramref name="upstream"/>'s runtime writes (<c>Logs("write: broken pipe", "go")</c>).</summary>
    public static Signature Logs(string text, string upstream) => new(text, null, null, null) { Upstream = upstream };

    /// <summary>Whether a run with <paramref name="upstreams"/> (a result's <see cref="ScenarioResult.Upstream"/>, "raw+kestrel+go") is asked for it.</summary>
    public bool AppliesTo(string? upstreams) => Upstream is null || (upstreams?.Split('+').Contains(Upstream) ?? false);

    /// <summary>A fragment of a line that <paramref name="proxy"/> logs in the scenario's runs on it (<c>--proxy haproxy</c>).</summary>
    public static Signature LogsOn(string proxy, string text) => new(text, null, null, null) { Proxy = proxy };

    /// <summary>A socket failure on <paramref name="side"/>, optionally with its errno.</summary>
    public static Signature Fails(Side side, SocketFailure failure, int? errno = null) => new(null, side, failure, errno);

    /// <summary>
    /// Whether the run's timeline holds it: an event whose <see cref="LabEvent.Verbatim"/> text (what the software wrote,
    /// not the lab's sentence) contains the text, or an event on the side with the failure (and errno). A version's signature holds trivially in a run that observed no application on that version.
    /// </summary>
    public bool FoundIn(IEnumerable<LabEvent> events) =>
        Version is { } v && !events.Any(e => e.Library?.Version == v.Name()) ? true
        : Client is { } c && !events.Any(e => e.Library?.Client == c.Name) ? true
        : Proxy is { } p && !events.Any(e => e.Side == Events.Side.Proxy && e.Actor?.StartsWith(p, StringComparison.Ordinal) == true) ? true
        : Text is { } text ? events.Any(e => e.Verbatim?.Contains(text, StringComparison.OrdinalIgnoreCase) == true)
        : events.Any(e => e.Side == Side && e.Failure == Failure && (Errno is null || e.Errno == Errno));

    /// <inheritdoc/>
    public override string ToString() => Text is { } text
        ? $"{Proxy ?? ""}{(Proxy is null ? "" : " ")}logs \"{text.Trim()}\""
        : $"{TimelineFormat.SideName(Side!.Value)} {SocketFailures.Name(Failure!.Value)}{(Errno is { } n ? $" ({SocketFailures.ErrnoName(n)} {n})" : "")}";
}
