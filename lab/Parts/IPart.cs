using System.Net;

namespace BrokenPipe.Lab.Parts;

/// <summary>A part a client can connect to: every server, proxy and middlebox of the lab has an address and a URL.</summary>
public interface IPart
{
    /// <summary>Where clients connect (127.0.0.1 and a port from the kernel; a lab namespace's 198.18.x.y for the packet-drop middlebox).</summary>
    IPEndPoint Endpoint { get; }

    /// <summary>The part's URL for <paramref name="pathAndQuery"/>: <c>http://ENDPOINT/path</c>, or <c>redis://ENDPOINT/</c> for Redis.</summary>
    Uri Url(string pathAndQuery = "/");
}
