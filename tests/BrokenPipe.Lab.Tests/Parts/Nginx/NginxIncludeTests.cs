using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>A team's config usually includes files next to it (mime.types, conf.d/*.conf): they must still be found from the run dir.</summary>
public sealed class NginxIncludeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("brokenpipe-include-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ResolveIncludes_FileNextToTheTemplate_BecomesAbsolute()
    {
        File.WriteAllText(Path.Combine(_dir, "extra.conf"), "proxy_buffering off;\n");
        var text = ResolveIncludes("    include extra.conf;\n");
        Assert.Equal($"    include \"{Path.Combine(_dir, "extra.conf")}\";\n", text);
    }

    [Fact]
    public void ResolveIncludes_GlobInADirectoryNextToTheTemplate_BecomesAbsolute()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "conf.d"));
        var text = ResolveIncludes("include conf.d/*.conf;");
        Assert.Equal($"include \"{Path.Combine(_dir, "conf.d", "*.conf")}\";", text);
    }

    [Fact]
    public void ResolveIncludes_OnlyInEtcNginx_FallsBackToIt()
    {
        Assert.Equal("include \"/etc/nginx/mime.types\";", ResolveIncludes("include mime.types;"));
    }

    [Fact]
    public void ResolveIncludes_AbsoluteOrMissing_IsLeftAlone()
    {
        Assert.Equal("include /etc/nginx/mime.types;", ResolveIncludes("include /etc/nginx/mime.types;"));
        Assert.Equal("include nowhere.conf;", ResolveIncludes("include nowhere.conf;"));
        Assert.Equal("# include extra.conf;", ResolveIncludes("# include extra.conf;"));
    }

    [Fact]
    public async Task ValidateAsync_FullConfigWithRelativeIncludes_IsAccepted()
    {
        File.WriteAllText(Path.Combine(_dir, "timeouts.conf"), "proxy_read_timeout 30s;\n");
        var config = Path.Combine(_dir, "nginx.conf");
        File.WriteAllText(config, """
            user www-data;
            worker_processes auto;
            pid /run/nginx.pid;
            events { worker_connections 768; }
            http {
                include mime.types;
                default_type application/octet-stream;
                access_log /var/log/nginx/access.log;
                server {
                    listen {{listen}};
                    location / {
                        proxy_pass http://{{upstream}};
                        include timeouts.conf;
                    }
                }
            }
            """);

        await NginxProxy.ValidateAsync(config);
    }

    private string ResolveIncludes(string text) => NginxConfig.ResolveIncludes(text, _dir);
}
