namespace BrokenPipe.Lab.Clients;

/// <summary>When a scripted client acts (closes, or resumes reading after a stall).</summary>
public sealed record Trigger
{
    private Trigger(TriggerKind kind, string description)
    {
        Kind = kind;
        Description = description;
    }

    public TriggerKind Kind { get; }

    public string Description { get; }

    /// <summary>The description ("after 300 ms").</summary>
    public override string ToString() => Description;

    public TimeSpan Time { get; private init; }

    public long Bytes { get; private init; }

    public Func<LabEvent, bool>? Event { get; private init; }

    /// <summary>When the response is complete or the stream has ended (the normal case).</summary>
    public static Trigger AtEnd { get; } = new(TriggerKind.AtEnd, "at the end of the response");

    /// <summary>Right after the request has been sent: no response byte is read.</summary>
    public static Trigger AfterRequest { get; } = new(TriggerKind.AfterRequest, "right after sending the request");

    /// <summary>As soon as the response head has been read.</summary>
    public static Trigger AfterHeaders { get; } = new(TriggerKind.AfterHeaders, "after the response head");

    /// <summary>After <paramref name="time"/> since the connection was made.</summary>
    public static Trigger After(TimeSpan time) => new(TriggerKind.AfterTime, $"after {time.TotalMilliseconds:0} ms") { Time = time };

    /// <summary>After exactly <paramref name="bytes"/> response bytes (head included) have been read.</summary>
    public static Trigger AfterBytes(long bytes) => new(TriggerKind.AfterBytes, $"after {bytes} response bytes") { Bytes = bytes };

    /// <summary>When an event matching <paramref name="predicate"/> is on the timeline: synchronised on what a part saw, not on a clock.</summary>
    public static Trigger On(Func<LabEvent, bool> predicate, string description) => new(TriggerKind.OnEvent, $"when {description}") { Event = predicate };
}
