using BrokenPipe.Lab.Checks;
using BrokenPipe.Lab.Parts;

namespace BrokenPipe.Lab.Tests.Checks;

/// <summary>Telling an auth subrequest from the check's own request, by the config's path or else by its shape.</summary>
public sealed class CheckRouteTests
{
    [Fact]
    public void IsAuthSubrequest_KnownPath_OnlyThatPathAndBelowIt()
    {
        var route = new CheckRoute(new ProxyRoute { AuthSubrequest = "auth_request /auth", AuthUpstreamPaths = ["/auth", "/verify"], AuthPathsKnown = true }, "/export");

        Assert.True(route.IsAuthSubrequest("/verify?uri=/export"));
        Assert.True(route.IsAuthSubrequest("/auth/sub"));
        Assert.False(route.IsAuthSubrequest("/orders"));
        Assert.False(route.IsAuthSubrequest("/authority"));
    }

    [Fact]
    public void IsAuthSubrequest_UnknownPath_ByShapeTheCheckSegmentsAreMain()
    {
        var route = new CheckRoute(new ProxyRoute { AuthSubrequest = "auth_request /auth", AuthUpstreamPaths = ["/auth"] }, "/api/items") { AlsoMain = ["/api/orders"] };

        Assert.True(route.IsAuthSubrequest("/oauth/introspect"));
        Assert.False(route.IsAuthSubrequest("/v2/items"));
        Assert.False(route.IsAuthSubrequest("/v2/orders"));
    }

    [Fact]
    public void IsAuthSubrequest_RouteWithoutAuth_Never()
    {
        Assert.False(new CheckRoute(ProxyRoute.Unknown, "/export").IsAuthSubrequest("/anything"));
    }

    [Fact]
    public void Requests_PrefaceOfHttp2_IsUnreadableNotTheMainRequest()
    {
        var route = new CheckRoute(ProxyRoute.Unknown, "/items");
        var events = new[] { new LabEvent(TimeSpan.Zero, Side.Server, EventKind.RequestReceived, null, null, "request #1: PRI * HTTP/2.0 (Content-Length 0)") };

        Assert.Equal(UpstreamRequest.Unreadable, Assert.Single(route.Requests(events)).Kind);
        Assert.False(route.MainSeen(events));
    }
}
