using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

public sealed class NginxHintsTests
{
    [Fact]
    public void For_UnknownHttp2Directive_NamesTheVersionAndTheWayOut()
    {
        var hint = NginxHints.For("nginx: [emerg] unknown directive \"http2\" in x.conf:6", "nginx/1.22.1");

        Assert.NotNull(hint);
        Assert.Contains("1.25.1", hint);
        Assert.Contains("nginx/1.22.1", hint);
        Assert.Contains("--nginx", hint);
        Assert.Contains("--image", hint);
    }

    [Fact]
    public void For_UnknownModuleDirective_NamesTheModule()
    {
        Assert.Contains("headers-more", NginxHints.For("unknown directive \"more_set_headers\" in a:1", "nginx/1.22.1"));
    }

    [Fact]
    public void For_OtherMessages_HasNoHint()
    {
        Assert.Null(NginxHints.For("invalid value \"banana\" in a:1", "nginx/1.22.1"));
    }

    [Fact]
    public void Version_NginxDashV_IsReadBack()
    {
        Assert.Equal("nginx/1.22.1", NginxHints.Version("nginx version: nginx/1.22.1\n"));
    }
}
