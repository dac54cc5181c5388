namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>Configs that really fail a check, and what the check shows: the timeout boundary, an idle websocket, an upload nginx refuses, HTTP/2 cleartext.</summary>
public sealed class CheckProxyBehaviourTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("brokenpipe-check-behaviour-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task CheckProxy_ReadTimeoutEqualToTheLongResponse_FailsBecauseTheCheckWaitsAMargin()
    {
        // A read timeout exactly as long as the response is a race nginx may win or lose: the upstream waits 0.5 s more, so it always fails.
        var config = Write("equal.conf", "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; proxy_read_timeout 2s; } }");

        var (code, stdout, _) = await InProcessCli.RunAsync(["check-proxy", "--config", config, "--only", "long-response", "--long-response", "2s"]);

        Assert.Equal(1, code);
        Assert.Contains("FAIL           long-response", stdout);
        Assert.Contains("HTTP 504", stdout);
        Assert.Contains("a read timeout of exactly 2 s is a race", stdout);
    }

    [Theory]
    [InlineData("1s", "3s", @"(0\.9|1(\.\d)?)")]
    [InlineData("2s", "2s", @"(1\.9|2(\.\d)?)")] // equal: a race, decided by the margin (nginx's timer starts just before the client reads the 101)
    public async Task CheckProxy_WebSocketIdleNotShorterThanTheReadTimeout_FailsShowingWhenNginxClosedIt(string readTimeout, string idle, string closedAt)
    {
        var config = Write("ws.conf", """
            map $http_upgrade $connection_upgrade { default upgrade; '' close; }
            server {
                listen {{listen}};
                location / {
                    proxy_pass http://{{upstream}};
                    proxy_http_version 1.1;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                    proxy_read_timeout READ;
                }
            }
            """.Replace("READ", readTimeout, StringComparison.Ordinal));

        var (code, stdout, _) = await InProcessCli.RunAsync(["check-proxy", "--config", config, "--only", "websocket-idle", "--websocket-idle", idle]);

        Assert.Equal(1, code);
        Assert.Contains("FAIL           websocket-idle", stdout);
        Assert.Matches($@"nginx closed the idle websocket after {closedAt} s, before {idle.TrimEnd('s')} s", stdout);
    }

    [Theory]
    [InlineData("", "8m", "the client sent all 8 MB: nginx read and discarded it")]
    [InlineData("proxy_request_buffering off;", "8m", "the client sent all 8 MB: nginx read and discarded it")]
    [InlineData("lingering_time 200ms;", "1g", "the client's send failed after")]
    public async Task CheckProxy_UploadLargerThanClientMaxBodySize_Fails413ShowingTheClientsSendAndTheUpstream(string extra, string size, string send)
    {
        var config = Write("upload.conf", $"server {{ listen {{{{listen}}}}; client_max_body_size 100k; {extra} location / {{ proxy_pass http://{{{{upstream}}}}; }} }}");
        var json = Path.Combine(_dir, "upload.json");

        var (code, stdout, _) = await InProcessCli.RunAsync(["check-proxy", "--config", config, "--only", "large-upload", "--upload-size", size, "--json", json]);

        Assert.Equal(1, code);
        Assert.Contains("HTTP 413 from nginx (client_max_body_size)", stdout);
        Assert.Contains(send, stdout);
        Assert.Contains("the upstream saw nothing", stdout);
        using var doc = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json));
        var events = doc.RootElement.GetProperty("checks")[0].GetProperty("events").EnumerateArray().ToList();
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "proxy-access");
        Assert.DoesNotContain(events, e => e.GetProperty("side").GetString() == "server" && e.GetProperty("kind").GetString() == "request-received");
        if (send.Contains("failed", StringComparison.Ordinal))
        {
            // nginx stopped reading after lingering_time and closed with the upload still arriving: an RST, so the client's send fails.
            Assert.Contains(events, e => e.GetProperty("side").GetString() == "client" && e.GetProperty("kind").GetString() == "send-failed"
                && e.GetProperty("failure").GetString() is "connection-reset" or "broken-pipe");
        }
    }

    [Theory]
    [InlineData("", 2)]
    [InlineData("app.example.com", 0)]
    public async Task CheckProxy_ServerNameRouting_HostChoosesTheProxiedServer(string host, int exitCode)
    {
        var config = Write("vhosts.conf", """
            server { listen {{listen}} default_server; return 404; }
            server { listen {{listen}}; server_name app.example.com; location / { proxy_pass http://{{upstream}}; } }
            """);
        string[] hostArgs = host.Length > 0 ? ["--host", host] : [];

        var (code, stdout, stderr) = await InProcessCli.RunAsync(["check-proxy", "--config", config, "--only", "long-response", "--long-response", "1s", .. hostArgs]);

        Assert.True(code == exitCode, $"{stdout}\n{stderr}");
        Assert.Contains(exitCode == 0 ? "PASS           long-response" : "NOT-EXERCISED  long-response", stdout);
    }

    [Fact]
    public async Task CheckProxy_Http2CleartextListener_ClientsSpeakH2cAndPass()
    {
        var config = Write("h2c.conf", "server { listen {{listen}} http2; location / { proxy_pass http://{{upstream}}; } }");

        var (code, stdout, _) = await InProcessCli.RunAsync(["check-proxy", "--config", config, "--only", "long-response,slow-client", "--long-response", "1s", "--slow-client-rate", "4194304"]);

        Assert.True(code == 0, stdout);
        Assert.Contains("listener HTTP/2 cleartext (h2c)", stdout);
    }

    [Fact]
    public async Task CheckProxy_UsersOwnCertificate_IsUsedForTheTlsListener()
    {
        var (cert, key) = BrokenPipe.Lab.Parts.Nginx.NginxCertificate.Write(Path.Combine(_dir, "own"), "app.example.com");
        var config = Write("tls.conf", "server { listen {{listen}} ssl; server_name app.example.com; ssl_certificate /nope.crt; ssl_certificate_key /nope.key; location / { proxy_pass http://{{upstream}}; } }");

        var (code, stdout, _) = await InProcessCli.RunAsync(["check-proxy", "--config", config, "--only", "client-abort", "--cert", cert, "--key", key, "--host", "app.example.com"]);

        Assert.True(code == 0, stdout);
        Assert.Contains($"its certificate is {cert}", stdout);
        Assert.Contains("listener HTTPS (HTTP/1.1 over TLS)", stdout);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
