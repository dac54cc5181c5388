using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>The route of one request, read from a user's config the way nginx picks its server and location.</summary>
public sealed class NginxRoutesTests
{
    private const string Auth = """
        server {
            listen {{listen}};
            location = /internal-auth {
                internal;
                proxy_pass http://{{upstream}}/auth/check;
            }
            location / {
                auth_request /internal-auth;
                proxy_pass http://{{upstream}};
            }
            location /public/ {
                auth_request off;
                proxy_pass http://{{upstream}};
            }
        }
        """;

    [Fact]
    public void Find_AuthRequestRoute_NamesTheSubrequestAndWhereItReachesTheUpstream()
    {
        using var config = ConfigFile.Write(Auth);

        var route = NginxRoutes.Find(config.Path, "/export", "localhost");

        Assert.Equal($"auth_request /internal-auth ({config.Path}:8)", route.AuthSubrequest);
        Assert.Equal(["/internal-auth", "/auth/check"], route.AuthUpstreamPaths);
        Assert.True(route.AuthPathsKnown);
        Assert.Equal($"location / ({config.Path}:7)", route.Where);
    }

    [Fact]
    public void Find_AuthRequestOff_HasNoSubrequest()
    {
        using var config = ConfigFile.Write(Auth);

        Assert.Null(NginxRoutes.Find(config.Path, "/public/export", "localhost").AuthSubrequest);
    }

    [Theory]
    [InlineData("grpc_pass grpc://{{upstream}};", "grpc_pass: gRPC over HTTP/2")]
    [InlineData("grpc_pass grpcs://{{upstream}};", "grpc_pass: gRPC over HTTP/2 (over TLS)")]
    [InlineData("uwsgi_pass {{upstream}};", "uwsgi_pass: the uwsgi protocol")]
    [InlineData("fastcgi_pass {{upstream}};", "fastcgi_pass: FastCGI")]
    [InlineData("scgi_pass {{upstream}};", "scgi_pass: SCGI")]
    public void Find_NonHttpPass_NamesTheProtocolAndItsLine(string pass, string expected)
    {
        using var config = ConfigFile.Write($"server {{\n    listen {{{{listen}}}};\n    location / {{\n        {pass}\n    }}\n}}");

        var route = NginxRoutes.Find(config.Path, "/export", "localhost");

        Assert.StartsWith(expected, route.OtherProtocol);
        Assert.EndsWith($"({config.Path}:4)", route.OtherProtocol);
    }

    [Fact]
    public void Find_CacheInheritedFromTheServer_ButOffInALocation()
    {
        using var config = ConfigFile.Write("""
            server {
                listen {{listen}};
                proxy_cache app;
                location / { proxy_pass http://{{upstream}}; }
                location /live/ { proxy_cache off; proxy_pass http://{{upstream}}; }
            }
            """);

        Assert.Equal($"proxy_cache app ({config.Path}:3)", NginxRoutes.Find(config.Path, "/report", "localhost").Cache);
        Assert.Null(NginxRoutes.Find(config.Path, "/live/report", "localhost").Cache);
    }

    [Fact]
    public void Find_RegexBeforeLongestPrefix_ExactFirst_CaretTildeStops()
    {
        using var config = ConfigFile.Write("""
            server {
                listen {{listen}};
                location / { proxy_pass http://{{upstream}}; }
                location ~ /ws$ { grpc_pass grpc://{{upstream}}; }
                location ^~ /static/ { proxy_pass http://{{upstream}}; }
                location = /static/ws { fastcgi_pass {{upstream}}; }
            }
            """);

        Assert.StartsWith("grpc_pass", NginxRoutes.Find(config.Path, "/api/ws", "localhost").OtherProtocol);
        Assert.Null(NginxRoutes.Find(config.Path, "/static/x/ws", "localhost").OtherProtocol);
        Assert.StartsWith("fastcgi_pass", NginxRoutes.Find(config.Path, "/static/ws", "localhost").OtherProtocol);
    }

    [Fact]
    public void Find_ServerChosenByServerName_ElseTheDefaultServer()
    {
        using var config = ConfigFile.Write("""
            server { listen {{listen}}; server_name grpc.example.com; location / { grpc_pass grpc://{{upstream}}; } }
            server { listen {{listen}} default_server; server_name _; location / { proxy_pass http://{{upstream}}; } }
            """);

        Assert.NotNull(NginxRoutes.Find(config.Path, "/export", "grpc.example.com").OtherProtocol);
        Assert.Null(NginxRoutes.Find(config.Path, "/export", "localhost").OtherProtocol);
    }

    [Fact]
    public void Find_ProxyHttpVersion_Http10ByDefaultNamedWith11Not()
    {
        using var config = ConfigFile.Write("""
            server {
                listen {{listen}};
                location / { proxy_pass http://{{upstream}}; }
                location /ws/ { proxy_http_version 1.1; proxy_pass http://{{upstream}}; }
            }
            """);

        Assert.Contains("nginx speaks HTTP/1.0 upstream by default", NginxRoutes.Find(config.Path, "/ws", "localhost").UpstreamHttp10);
        Assert.Null(NginxRoutes.Find(config.Path, "/ws/ws", "localhost").UpstreamHttp10);
    }

    [Fact]
    public void Find_TryFilesToAPhpLocation_FollowsItToFastCgi()
    {
        using var config = ConfigFile.Write("""
            server {
                listen {{listen}};
                location / { try_files $uri $uri/ /index.php?$args; }
                location ~ \.php$ { fastcgi_pass {{upstream}}; }
            }
            """);

        var route = NginxRoutes.Find(config.Path, "/export", "localhost");

        Assert.StartsWith("fastcgi_pass: FastCGI", route.OtherProtocol);
        Assert.Contains("→ location ~ \\.php$", route.Where);
    }

    [Fact]
    public void Find_AuthLocationWithAVariable_PathsNotKnown()
    {
        using var config = ConfigFile.Write("""
            server {
                listen {{listen}};
                location = /auth { proxy_pass http://{{upstream}}/verify$is_args$args; }
                location / { auth_request /auth; proxy_pass http://{{upstream}}; }
            }
            """);

        Assert.False(NginxRoutes.Find(config.Path, "/export", "localhost").AuthPathsKnown);
    }
}
