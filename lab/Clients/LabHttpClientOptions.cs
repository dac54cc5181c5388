namespace BrokenPipe.Lab.Clients;

/// <summary>The realistic client: <see cref="HttpClient"/> over SocketsHttpHandler, with the settings that matter here.</summary>
public sealed record LabHttpClientOptions
{
    /// <summary>Actor name on the timeline. The default value is "httpclient".</summary>
    public string Name { get; init; } = "httpclient";

    /// <summary>HttpClient.Timeout for the whole exchange. The default value is 100 seconds (HttpClient's own).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>SocketsHttpHandler.PooledConnectionIdleTimeout. The default value is 1 minute (the handler's own).</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Checks the options once, when the client is created (<see cref="OptionRules"/>).</summary>
    internal void Validate() => new OptionRules(nameof(LabHttpClientOptions))
        .NotBlank(Name).Positive(Timeout).NotNegative(PooledConnectionIdleTimeout)
        .ThrowIfAny();
}
