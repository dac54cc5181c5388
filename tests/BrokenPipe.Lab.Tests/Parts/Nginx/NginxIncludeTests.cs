using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>A team's config usually includes files next to it (mime.types, conf.d/*.conf): they must still be found from the run dir.</summary>
public sealed class NginxIncludeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("brokenpipe-include-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

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
}
