using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

public sealed class NginxConfigTests
{
    private static readonly NginxPaths Paths = new("/run/lab/nginx");

    private const string FullConfig = """
        user www-data;
        worker_processes 1;
        pid /run/nginx.pid;
        daemon on;
        error_log /var/log/nginx/error.log warn;

        events {
            worker_connections 1024;
        }

        http {
            access_log /var/log/nginx/access.log;

            server {
                listen 127.0.0.1:8080;
            }
        }
        """;

    private static Dictionary<string, string> Listen(string value = "127.0.0.1:1") => new() { ["listen"] = value };

    [Fact]
    public void Render_KnownPlaceholders_AreFilledWithOrWithoutInnerSpaces()
    {
        var rendered = NginxConfig.Render("listen {{listen}};\nproxy_pass http://{{ upstream }};", new Dictionary<string, string> { ["listen"] = "127.0.0.1:8080", ["upstream"] = "127.0.0.1:9000" });

        Assert.Equal("listen 127.0.0.1:8080;\nproxy_pass http://127.0.0.1:9000;", rendered);
    }

    [Fact]
    public void Render_CommentLines_AreLeftAlone()
    {
        const string template = "# set {{listen}} and {{typo}} here\n    # indented {{other}}\nlisten {{listen}};";

        var rendered = NginxConfig.Render(template, Listen());

        Assert.Equal("# set {{listen}} and {{typo}} here\n    # indented {{other}}\nlisten 127.0.0.1:1;", rendered);
    }

    [Fact]
    public void Render_UnknownPlaceholder_ThrowsNamingIt()
    {
        var e = Assert.Throws<NginxConfigException>(() => NginxConfig.Render("listen {{listen}};\nproxy_read_timeout {{read_timout}};", Listen()));

        Assert.Contains("{{read_timout}}", e.Message);
        Assert.Contains("{{listen}}", e.Message); // the known ones are listed beside it
    }

    [Fact]
    public void Render_PlaceholderInATrailingComment_IsLeftAlone()
    {
        var rendered = NginxConfig.Render("listen {{listen}}; # was {{port}}", Listen());

        Assert.Equal("listen 127.0.0.1:1; # was {{port}}", rendered);
    }

    [Fact]
    public void Placeholders_Template_ListsThemOnceInOrderIgnoringComments()
    {
        const string template = "# {{commented}}\nlisten {{listen}};\nproxy_pass http://{{upstream}};\n# {{listen}} again\nlisten {{ listen }};";

        Assert.Equal(["listen", "upstream"], NginxConfig.Placeholders(template));
    }

    [Theory]
    [InlineData(2000, "2s")]
    [InlineData(1500, "1500ms")]
    [InlineData(600_000, "600s")]
    [InlineData(250, "250ms")]
    [InlineData(0, "0s")]
    public void Duration_WholeSecondsOrNot_UsesSecondsOrMilliseconds(int milliseconds, string expected)
    {
        Assert.Equal(expected, NginxConfig.Duration(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void Values_UpstreamKeepaliveOn_Http11EmptyConnectionAndKeepaliveLine()
    {
        var values = NginxConfig.Values(new NginxOptions { UpstreamKeepalive = 8, UpstreamKeepaliveTimeout = TimeSpan.FromMilliseconds(1500) }, "127.0.0.1:1", "127.0.0.1:2");

        Assert.Equal("1.1", values["proxy_http_version"]);
        Assert.Equal("\"\"", values["proxy_connection_header"]);
        Assert.Contains("keepalive 8;", values["upstream_keepalive"]);
        Assert.Contains("keepalive_timeout 1500ms;", values["upstream_keepalive"]);
    }

    [Fact]
    public void Values_UpstreamKeepaliveOff_Http10AndConnectionClose()
    {
        var values = NginxConfig.Values(new NginxOptions(), "127.0.0.1:1", "127.0.0.1:2");

        Assert.Equal("1.0", values["proxy_http_version"]);
        Assert.Equal("close", values["proxy_connection_header"]);
        Assert.Equal("", values["upstream_keepalive"]);
    }

    [Fact]
    public void Values_Options_MapToNginxSyntax()
    {
        var options = new NginxOptions
        {
            ProxyReadTimeout = TimeSpan.FromSeconds(2),
            ProxySendTimeout = TimeSpan.FromMilliseconds(1500),
            ProxyConnectTimeout = TimeSpan.FromSeconds(3),
            IgnoreClientAbort = true,
            Buffering = false,
            ClientKeepaliveTimeout = TimeSpan.FromSeconds(5),
        };

        var values = NginxConfig.Values(options, "127.0.0.1:1", "127.0.0.1:2");

        Assert.Equal(
            ("127.0.0.1:1", "127.0.0.1:2", "2s", "1500ms", "3s", "on", "off", "5s"),
            (values["listen"], values["upstream"], values["proxy_read_timeout"], values["proxy_send_timeout"], values["proxy_connect_timeout"], values["proxy_ignore_client_abort"], values["proxy_buffering"], values["client_keepalive_timeout"]));
    }

    [Fact]
    public void LabTemplate_Embedded_HasListenAndUpstreamAndExactlyTheValuesPlaceholders()
    {
        var template = NginxConfig.LabTemplate();

        Assert.Contains("{{listen}}", template);
        Assert.Contains("{{upstream}}", template);
        var values = NginxConfig.Values(new NginxOptions(), "127.0.0.1:1", "127.0.0.1:2");
        Assert.Equal(values.Keys.Order(), NginxConfig.Placeholders(template).Order());
    }

    [Fact]
    public void Render_LabTemplateWithItsValues_LeavesNoPlaceholderOutsideComments()
    {
        var values = NginxConfig.Values(new NginxOptions { UpstreamKeepalive = 4 }, "127.0.0.1:1", "127.0.0.1:2");

        var rendered = NginxConfig.Render(NginxConfig.LabTemplate(), values);

        Assert.Empty(NginxConfig.Placeholders(rendered));
        Assert.Contains("server 127.0.0.1:2;", rendered);
        Assert.Contains("keepalive 4;", rendered);
    }

    [Fact]
    public void Adopt_FullConfig_InsertsTheLabsDirectivesOnTheHttpLine()
    {
        var adopted = NginxConfig.Adopt(FullConfig, Paths, runAsRoot: false);

        var httpLine = adopted.Split('\n').Single(l => l.TrimStart().StartsWith("http {", StringComparison.Ordinal));
        Assert.Contains("log_format brokenpipe_lab ", httpLine);
        Assert.Contains($"access_log \"{Paths.AccessLog}\" brokenpipe_lab;", httpLine);
        Assert.Contains($"client_body_temp_path \"{Paths.Temp}/client_body\";", httpLine);
        Assert.Contains($"proxy_temp_path \"{Paths.Temp}/proxy\";", httpLine);
        Assert.StartsWith($"error_log \"{Paths.ErrorLog}\" info;", adopted);
    }

    [Fact]
    public void Adopt_FullConfig_KeepsEveryLineNumber()
    {
        var adopted = NginxConfig.Adopt(FullConfig, Paths, runAsRoot: true);

        var before = FullConfig.Split('\n');
        var after = adopted.Split('\n');
        Assert.Equal(before.Length, after.Length);
        Assert.Equal("worker_processes 1;", after[1]);
        Assert.Equal(before.ToList().FindIndex(l => l.Contains("listen 127.0.0.1:8080", StringComparison.Ordinal)), after.ToList().FindIndex(l => l.Contains("listen 127.0.0.1:8080", StringComparison.Ordinal)));
    }

    [Fact]
    public void Adopt_FullConfig_CommentsOutItsOwnPidDaemonUserAndLogs()
    {
        var adopted = NginxConfig.Adopt(FullConfig, Paths, runAsRoot: false);

        foreach (var own in new[] { "user www-data;", "pid /run/nginx.pid;", "daemon on;", "error_log /var/log/nginx/error.log warn;", "access_log /var/log/nginx/access.log;" })
        {
            Assert.Contains($"# (taken over by the lab) {own}", adopted);
            Assert.Equal(1, adopted.Split(own).Length - 1);
        }
        Assert.Contains("worker_processes 1;", adopted);
    }

    [Fact]
    public void Adopt_FullConfigWithEvents_DoesNotAddASecondEvents()
    {
        var adopted = NginxConfig.Adopt(FullConfig, Paths, runAsRoot: false);

        Assert.Equal(1, adopted.Split("events {").Length - 1);
    }

    [Fact]
    public void Adopt_FullConfigWithoutEvents_AddsEvents()
    {
        var adopted = NginxConfig.Adopt("http {\n    server { listen 127.0.0.1:1; }\n}\n", Paths, runAsRoot: false);

        Assert.Equal(1, adopted.Split("events { worker_connections 512; }").Length - 1);
        Assert.True(adopted.IndexOf("events {", StringComparison.Ordinal) < adopted.IndexOf("http {", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Adopt_RunAsRoot_AddsUserRootOnlyThen(bool runAsRoot)
    {
        var adopted = NginxConfig.Adopt(FullConfig, Paths, runAsRoot);

        Assert.Equal(runAsRoot, adopted.StartsWith("user root; ", StringComparison.Ordinal));
        Assert.Equal(runAsRoot ? 1 : 0, adopted.Split("user root;").Length - 1);
    }

    [Fact]
    public void Adopt_Fragment_IsWrappedInEventsAndHttp()
    {
        const string fragment = "server {\n    listen 127.0.0.1:1;\n    location / { proxy_pass http://127.0.0.1:2; }\n}";

        var adopted = NginxConfig.Adopt(fragment, Paths, runAsRoot: false);

        var events = adopted.IndexOf("events { worker_connections 512; }", StringComparison.Ordinal);
        var http = adopted.IndexOf("http {", StringComparison.Ordinal);
        var server = adopted.IndexOf(fragment, StringComparison.Ordinal);
        Assert.True(events >= 0 && events < http && http < server, adopted);
        Assert.Contains($"access_log \"{Paths.AccessLog}\" brokenpipe_lab;", adopted);
        Assert.EndsWith("}\n}\n", adopted); // the http block closes after the fragment
        Assert.Equal(adopted.Count(c => c == '{'), adopted.Count(c => c == '}'));
        Assert.Equal("    listen 127.0.0.1:1;", adopted.Split('\n')[1]); // line numbers kept
    }

    [Fact]
    public void Adopt_MultiLineAccessLog_CommentsOutEveryLineOfIt()
    {
        const string config = "events { }\nhttp {\n    access_log /var/log/nginx/access.log\n               combined buffer=32k;\n}\n";

        var adopted = NginxConfig.Adopt(config, Paths, runAsRoot: false);

        Assert.DoesNotContain(adopted.Split('\n'), l => l.Trim() == "combined buffer=32k;");
    }

    [Theory]
    [InlineData("{{Listen}}")]
    [InlineData("{{upstream2}}")]
    public void Render_PlaceholderWithACapitalOrADigit_ThrowsAsUnknown(string typo)
    {
        Assert.Throws<NginxConfigException>(() => NginxConfig.Render($"listen {typo};", Listen()));
    }

    [Fact]
    public void Additions_BareServerBlock_ListsTheHttpAndEventsBlocksAndTheLogs()
    {
        var notes = NginxConfig.Additions("server { listen 127.0.0.1:1; }", runAsRoot: false);

        Assert.Contains(notes, n => n.StartsWith("added: an http { } block", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("added: events { worker_connections 512; }", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("added: the lab's error log", StringComparison.Ordinal));
        Assert.DoesNotContain(notes, n => n.Contains("user root", StringComparison.Ordinal));
    }

    [Fact]
    public void Additions_FullConfigWithEvents_AddsNoBlock()
    {
        var notes = NginxConfig.Additions("events { }\nhttp { server { listen 127.0.0.1:1; } }", runAsRoot: true);

        Assert.DoesNotContain(notes, n => n.Contains("block", StringComparison.Ordinal) || n.Contains("events", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.StartsWith("added: user root", StringComparison.Ordinal));
    }
}
