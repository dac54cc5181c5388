namespace BrokenPipe.Scenarios.Tests.Cli;

/// <summary>Unusable input: exit code 2 and one line on stderr that says what to do, never a failing check.</summary>
public sealed class CheckProxyInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("brokenpipe-check-input-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("http {\n  include snippets/missing.conf;\n  server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; } }\n}", "nginx.conf:2: include \"snippets/missing.conf\" not found")]
    [InlineData("server {\n  listen {{listen}};\n  location / { proxy_pass http://{{upstream}}; proxy_read_timeout banana; }\n}", "nginx.conf:3: \"location / { proxy_pass")]
    [InlineData("server {\n  listen {{listen}};\n  more_set_headers \"Server: x\";\n  location / { proxy_pass http://{{upstream}}; }\n}", "headers-more")]
    [InlineData("server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; } location /x { proxy_pass http://{{upstrem:x}}; } }", "unknown placeholder {{upstrem:x}}")]
    [InlineData("server { listen {{listen}}; location / { proxy_pass http://backend:8080; } }", "has no {{upstream}} placeholder")]
    [InlineData("server { listen {{listen}} proxy_protocol; location / { proxy_pass http://{{upstream}}; } }", "needs the PROXY protocol")]
    [InlineData("", "nginx.conf is empty")]
    [InlineData("\0\u0001ELF", "nginx.conf is not a text file")]
    [InlineData("server {\n  listen {{listen}};\n  location / {\n    proxy_pass http://{{upstream}};\n  }\n", "the block \"server {\" opened at ")]
    [InlineData("server { listen {{listen}} ssl; ssl_verify_client on; ssl_client_certificate /etc/ssl/certs/ca-certificates.crt; location / { proxy_pass http://{{upstream}}; } }", "needs client certificates (ssl_verify_client on")]
    public async Task CheckProxy_UnusableConfig_ExitCode2WithOneLine(string config, string expected)
    {
        var path = Path.Combine(_dir, "nginx.conf");
        await File.WriteAllTextAsync(path, config);

        var (code, _, stderr) = await InProcessCli.RunAsync(["check-proxy", "--config", path]);

        Assert.Equal(2, code);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public async Task CheckProxy_GrpcExample_ExitCode2NamingTheProtocol()
    {
        var (code, stdout, stderr) = await InProcessCli.RunAsync(["check-proxy", "--config", RepoFiles.NginxExample("grpc.conf")]);

        Assert.Equal(2, code);
        Assert.Contains("NOT-EXERCISED  keepalive-reuse", stdout);
        Assert.Contains("grpc_pass: gRPC over HTTP/2", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: ", StringComparison.Ordinal)));
        Assert.Contains("added: events { worker_connections 512; }", stdout);
    }

    [Theory]
    [InlineData("--path", "api", "--path needs a path that starts with '/'")]
    [InlineData("--only", "long-response,nope", "--only names checks")]
    [InlineData("--cert", "/nonexistent.pem", "--cert: no file at")]
    [InlineData("--upload-size", "lots", "--upload-size needs a size")]
    [InlineData("--upstream-max-requests", "0", "--upstream-max-requests needs")]
    public async Task CheckProxy_BadFlag_ExitCode2WithOneLine(string flag, string value, string expected)
    {
        var path = Path.Combine(_dir, "ok.conf");
        await File.WriteAllTextAsync(path, "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; } }");

        var (code, _, stderr) = await InProcessCli.RunAsync(["check-proxy", "--config", path, flag, value]);

        Assert.Equal(2, code);
        Assert.Contains(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    [Fact]
    public async Task CheckProxy_CertWithoutKey_ExitCode2()
    {
        var path = Path.Combine(_dir, "ok.conf");
        await File.WriteAllTextAsync(path, "server { listen {{listen}}; location / { proxy_pass http://{{upstream}}; } }");

        var (code, _, stderr) = await InProcessCli.RunAsync(["check-proxy", "--config", path, "--cert", path]);

        Assert.Equal(2, code);
        Assert.Contains("--cert and --key go together", stderr);
    }
}
