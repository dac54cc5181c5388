namespace BrokenPipe.Lab.Clients;

/// <summary>What a <see cref="Trigger"/> waits for (its factory methods set it).</summary>
public enum TriggerKind
{
    AtEnd,
    AfterRequest,
    AfterHeaders,
    AfterTime,
    AfterBytes,
    OnEvent,
}
