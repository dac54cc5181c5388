namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>What checking a user's config found: how its listener speaks, what the lab changed to isolate it, and the nginx version.</summary>
internal sealed record NginxConfigReport(ProxyListener Listener, IReadOnlyList<string> Notes, string NginxVersion);
