using BrokenPipe.Lab.Parts;
using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>What the lab changes in a user's config so that runs side by side cannot collide and nothing is written outside the run dir.</summary>
public sealed class NginxIsolationTests
{
    private const string Lab = "127.0.0.1:1000";
    private static readonly NginxPaths Paths = new("/run/lab/nginx");

    [Fact]
    public void Isolate_FixedListens_MovedOnePortPerAddressAndTheLabsKept()
    {
        const string config = "http {\n server { listen 127.0.0.1:1000; listen 80 default_server; listen [::]:80 ipv6only=on default_server; }\n server { listen 80; server_name b; }\n}";

        var isolated = Isolate(config);

        Assert.Contains("listen 127.0.0.1:1000;", isolated.Text);
        Assert.Contains("listen 127.0.0.1:2001 default_server;", isolated.Text);
        Assert.Contains("listen 127.0.0.1:2002 default_server;", isolated.Text);
        Assert.Contains("server_name b;", isolated.Text);
        Assert.Equal(2, isolated.Text.Split("listen 127.0.0.1:2001").Length - 1); // both "listen 80" share one port, like virtual hosts
        Assert.DoesNotContain("ipv6only", isolated.Text);
        Assert.Contains(isolated.Notes, n => n.StartsWith("moved: listen [::]:80 (line 2) to 127.0.0.1:2002", StringComparison.Ordinal));
    }

    [Fact]
    public void Isolate_ServerWithoutListen_GetsAPortOfItsOwn()
    {
        var isolated = Isolate("http { server { listen 127.0.0.1:1000; } server { server_name old.example.com; return 301 https://x; } }");

        Assert.Contains("server { listen 127.0.0.1:2001; server_name old.example.com;", isolated.Text.Replace("  ", " ", StringComparison.Ordinal));
    }

    [Fact]
    public void Isolate_WritablePaths_GoIntoTheRunDirAndTempPathsAreTakenOver()
    {
        const string config = "pid /tmp/nginx.pid;\nhttp {\n  proxy_temp_path /tmp/proxy_temp 1 2;\n  proxy_cache_path /var/cache/nginx levels=1:2 keys_zone=app:10m;\n  server { listen 127.0.0.1:1000; access_log /var/log/x.log main; location / { } }\n}";

        var isolated = Isolate(config);

        Assert.Contains("# (taken over by the lab) proxy_temp_path /tmp/proxy_temp 1 2;", isolated.Text);
        Assert.Contains("# (taken over by the lab) pid /tmp/nginx.pid;", isolated.Text);
        Assert.Contains("proxy_cache_path \"/run/lab/nginx/cache/1\" levels=1:2 keys_zone=app:10m;", isolated.Text);
        Assert.DoesNotContain("/var/log/x.log", isolated.Text.Split('\n')[4]); // mid-line: removed, not commented (the rest of the line stays)
        Assert.Contains("location / { }", isolated.Text);
        Assert.Equal(config.Count(c => c == '\n'), isolated.Text.Count(c => c == '\n'));
    }

    [Fact]
    public void Isolate_TlsListener_CertificateReplacedAndMissingDhparamSetAside()
    {
        const string config = "server {\n listen 127.0.0.1:1000 ssl http2;\n ssl_certificate /etc/letsencrypt/live/x/fullchain.pem;\n ssl_certificate_key /etc/letsencrypt/live/x/privkey.pem;\n ssl_dhparam /etc/letsencrypt/ssl-dhparams.pem;\n}";

        var isolated = Isolate(config);

        Assert.True(isolated.Listener.Tls && isolated.Listener.Http2 && !isolated.Listener.Http2Directive);
        Assert.Contains("ssl_certificate \"/run/lab/nginx/tls/lab.crt\";", isolated.Text);
        Assert.Contains("ssl_certificate_key \"/run/lab/nginx/tls/lab.key\";", isolated.Text);
        Assert.Contains("# (taken over by the lab) ssl_dhparam", isolated.Text);
    }

    [Fact]
    public void Isolate_SslListenWithoutCertificate_GetsTheLabs()
    {
        var isolated = Isolate("server { listen 127.0.0.1:1000 ssl; }");

        Assert.Contains("ssl_certificate \"/run/lab/nginx/tls/lab.crt\";", isolated.Text);
    }

    [Fact]
    public void Isolate_Http2OnDirective_IsHttp2ThatNeedsANewerNginx()
    {
        var isolated = Isolate("http { http2 on; server { listen 127.0.0.1:1000; } }");

        Assert.Equal(new ProxyListener { Http2 = true, Http2Directive = true }, isolated.Listener);
        Assert.Equal("HTTP/2 cleartext (h2c)", isolated.Listener.Protocol);
    }

    [Fact]
    public void Isolate_MapEntriesNamedLikeDirectives_AreLeftAlone()
    {
        var isolated = Isolate("map $x $y { default upgrade; user close; }\nserver { listen 127.0.0.1:1000; }");

        Assert.Contains("user close;", isolated.Text);
    }

    private static NginxIsolated Isolate(string config)
    {
        var port = 2000;
        return NginxIsolation.Isolate(config, Lab, Paths, () => ++port, ("/run/lab/nginx/tls/lab.crt", "/run/lab/nginx/tls/lab.key"));
    }
}
