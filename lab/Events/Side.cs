namespace BrokenPipe.Lab.Events;

/// <summary>Who saw an event. The JSON contract spells these in lower case.</summary>
public enum Side
{
    Client,
    Proxy,
    Server,
    Redis,
    Middlebox,
    Lab,
}
