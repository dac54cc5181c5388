namespace BrokenPipe.Lab.Clients;

/// <summary>What a <see cref="RespBurst"/> did: when its first write started, and how many PUBLISH replies said delivered (≥ 1), nobody (0), or an error.</summary>
public sealed record RespPublished(TimeSpan Started, int Delivered, int Nobody, int Errors);
