using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

/// <summary>Includes are inlined so the lab can isolate what they bring, and every line still knows where it came from.</summary>
public sealed class NginxSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("brokenpipe-source-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Load_RelativeGlobInclude_InlinesTheFilesInOrderWithTheirOrigins()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "conf.d"));
        File.WriteAllText(Path.Combine(_dir, "conf.d", "b.conf"), "# b\nlisten 81;");
        File.WriteAllText(Path.Combine(_dir, "conf.d", "a.conf"), "listen 80;");
        var main = Write("nginx.conf", "http {\n    include conf.d/*.conf;\n    server_tokens off;\n}");

        var source = NginxSource.Load(main);

        Assert.Equal(["listen 80;", "listen 81;"], source.Lines.Where(l => l.Text.StartsWith("listen", StringComparison.Ordinal)).Select(l => l.Text));
        Assert.Equal($"{Path.Combine(_dir, "conf.d", "b.conf")}:2", source.Lines.Single(l => l.Text == "listen 81;").Where);
        Assert.Equal($"{main}:3", source.Lines.Single(l => l.Text.Contains("server_tokens", StringComparison.Ordinal)).Where);
        Assert.Equal(2, source.Included.Count);
    }

    [Fact]
    public void Load_MissingInclude_NamesItAsWrittenWithFileAndLine()
    {
        var main = Write("nginx.conf", "http {\n\n    include snippets/ssl-params.conf;\n}");

        var e = Assert.Throws<NginxConfigException>(() => NginxSource.Load(main));

        Assert.StartsWith($"{main}:3: include \"snippets/ssl-params.conf\" not found", e.Message);
    }

    [Fact]
    public void Load_RelativeIncludeOnlyInEtcNginx_FallsBackToIt()
    {
        var main = Write("nginx.conf", "http { include mime.types; }");

        var source = NginxSource.Load(main);

        Assert.Equal(["/etc/nginx/mime.types"], source.Included);
        Assert.Contains(source.Lines, l => l.File == "/etc/nginx/mime.types" && l.Text.Contains("text/html", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MissingCertbotOptions_IsSetAsideWithANote()
    {
        var main = Write("nginx.conf", "server {\n    include /etc/letsencrypt/options-ssl-nginx-missing.conf;\n}");

        var source = NginxSource.Load(main);

        Assert.Contains(source.Notes, n => n.StartsWith("set aside: include /etc/letsencrypt/options-ssl-nginx-missing.conf", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_GlobMatchingNothing_IsFineAsInNginx()
    {
        var main = Write("nginx.conf", "http { include nowhere/*.conf; }");

        var text = NginxSource.Load(main).Text;

        Assert.DoesNotContain(NginxParser.Parse(text), s => s.Name == "include");
        Assert.Contains("# (included by the lab) include nowhere/*.conf;", text);
    }

    [Fact]
    public void Load_IncludeMidLine_KeepsTheRestOfTheLine()
    {
        File.WriteAllText(Path.Combine(_dir, "p.conf"), "proxy_read_timeout 5s;");
        var main = Write("nginx.conf", "location / { include p.conf; proxy_pass http://{{upstream}}; }");

        var text = NginxSource.Load(main).Text;

        Assert.Contains("proxy_read_timeout 5s;", text);
        Assert.Contains("proxy_pass http://{{upstream}}; }", text);
        Assert.Equal(text.Count(c => c == '{'), text.Count(c => c == '}'));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("  \n\t\n", "holds only blank space")]
    public void Load_EmptyFile_SaysSoNotThatAPlaceholderIsMissing(string text, string expected)
    {
        var main = Write("nginx.conf", text);

        var e = Assert.Throws<NginxConfigException>(() => NginxSource.Load(main));

        Assert.StartsWith($"{main} {expected}", e.Message);
    }

    [Fact]
    public void Load_BinaryFile_SaysItIsNotText()
    {
        var main = Path.Combine(_dir, "nginx.conf");
        File.WriteAllBytes(main, [0x7f, (byte)'E', (byte)'L', (byte)'F', 0, 0, 1, 2]);

        var e = Assert.Throws<NginxConfigException>(() => NginxSource.Load(main));

        Assert.StartsWith($"{main} is not a text file", e.Message);
    }

    [Fact]
    public void Unclosed_ServerWithoutItsBrace_NamesTheBlockAtItsFileAndLine()
    {
        var main = Write("nginx.conf", "server {\n    listen 80;\n    location / {\n        return 204;\n    }\n");

        Assert.Equal(("server {", $"{main}:1"), NginxSource.Load(main).Unclosed());
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
