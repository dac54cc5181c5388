namespace BrokenPipe.Lab.Clients;

/// <summary>The script of a raw HTTP/1.1 client: what it sends, how it reads, when and how it closes.</summary>
public sealed record RawHttpOptions
{
    /// <summary>Actor name on the timeline. The default value is "client".</summary>
    public string Name { get; init; } = "client";

    public string Method { get; init; } = "GET";

    public string Path { get; init; } = "/";

    /// <summary>The Host header (what nginx matches server_name against); null sends the server's address. The default value is null.</summary>
    public string? Host { get; init; }

    /// <summary>Request body bytes to upload (Content-Length set); sent before the response is read. The default value is 0.</summary>
    public long UploadBytes { get; init; }

    /// <summary>Bytes per upload <c>send()</c>. The default value is 65,536.</summary>
    public int UploadChunkBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Extra request header lines ("Name: value"). A header named here (case-insensitively) replaces the one the client
    /// would send itself (Host, User-Agent, Content-Length, Content-Type): the request carries one of each, never two.
    /// </summary>
    public IReadOnlyList<string> Headers { get; init; } = [];

    /// <summary>How the client closes. The default value is <see cref="CloseMode.Fin"/> (an RST if unread bytes remain).</summary>
    public CloseMode Close { get; init; } = CloseMode.Fin;

    /// <summary>When the client closes. The default value is <see cref="Trigger.AtEnd"/>.</summary>
    public Trigger CloseWhen { get; init; } = Trigger.AtEnd;

    /// <summary>
    /// Before closing, wait (up to 2 s) until more response bytes are waiting unread, so that close() sends an RST the way a
    /// client that stops mid-download does, rather than depending on a race. The default value is false.
    /// </summary>
    public bool CloseWithUnreadData { get; init; }

    /// <summary>The default value is <see cref="ReadMode.Normal"/>.</summary>
    public ReadMode Read { get; init; } = ReadMode.Normal;

    /// <summary>With <see cref="ReadMode.Stall"/>: when to start reading again (null: never, until the close trigger).</summary>
    public Trigger? ResumeWhen { get; init; }

    /// <summary>With <see cref="ReadMode.Stall"/>: stall only after this many response bytes. The default value is 0 (read nothing).</summary>
    public long StallAfterBytes { get; init; }

    /// <summary>With <see cref="ReadMode.Slow"/>: bytes per second. The default value is 16,384.</summary>
    public double SlowBytesPerSecond { get; init; } = 16 * 1024;

    /// <summary>SO_RCVBUF set before connecting (the kernel doubles it), or null for autotuning. The default value is null.</summary>
    public int? ReceiveBuffer { get; init; }

    /// <summary>The client's own bound on the whole exchange; past it the client gives up. The default value is 30 seconds.</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the options once, when the client starts (<see cref="OptionRules"/>).</summary>
    internal void Validate() => new OptionRules(nameof(RawHttpOptions))
        .NotBlank(Name).NotBlank(Method).NotBlank(Path).AtLeast(UploadBytes, 0).AtLeast(UploadChunkBytes, 1).AtLeast(StallAfterBytes, 0)
        .Positive(SlowBytesPerSecond).AtLeast(ReceiveBuffer ?? 1, 1).Positive(Deadline)
        .That(Method.All(char.IsAsciiLetterUpper), $"Method must be an HTTP method in capitals (was \"{Method}\")")
        .That(Path.StartsWith('/') || Path == "*" || Path.Contains("://", StringComparison.Ordinal), $"Path must start with / (was \"{Path}\")")
        .ThrowIfAny();
}
