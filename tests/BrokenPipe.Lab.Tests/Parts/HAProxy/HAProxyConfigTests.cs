using BrokenPipe.Lab.Parts.HAProxy;

namespace BrokenPipe.Lab.Tests.Parts.HAProxy;

public sealed class HAProxyConfigTests
{
    [Fact]
    public void Render_LabTemplate_FillsEveryPlaceholderWithTheOptions()
    {
        var options = new HAProxyOptions { TimeoutServer = TimeSpan.FromSeconds(2), ServerClose = true };

        var text = HAProxyConfig.Render(HAProxyConfig.LabTemplate(), HAProxyConfig.Values(options, "127.0.0.1:1000", "127.0.0.1:2000", "abns@x"));

        Assert.Empty(HAProxyConfig.Placeholders(text));
        Assert.Contains("timeout server 2000ms", text, StringComparison.Ordinal);
        Assert.Contains("bind 127.0.0.1:1000", text, StringComparison.Ordinal);
        Assert.Contains("server upstream 127.0.0.1:2000", text, StringComparison.Ordinal);
        Assert.Contains("log abns@x format raw local0 info", text, StringComparison.Ordinal);
        Assert.Contains("option http-server-close", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_UnknownPlaceholder_ThrowsNamingIt()
    {
        var e = Assert.Throws<HAProxyConfigException>(() => HAProxyConfig.Render("bind {{lisen}}", new Dictionary<string, string> { ["listen"] = "x" }));

        Assert.Contains("{{lisen}}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Placeholders_InAComment_AreNotCounted()
    {
        Assert.Equal(["listen"], HAProxyConfig.Placeholders("  bind {{listen}}  # not {{upstream}}"));
    }

    [Fact]
    public void Adopt_UserConfig_TakesOverFixedPathsAndLogTargetsKeepingLineNumbers()
    {
        const string User = "global\n    daemon\n    log /dev/log local0\n    stats socket /run/haproxy/admin.sock mode 660\ndefaults\n    log global\nfrontend fe\n    log 10.0.0.1:514 local1\n    bind 127.0.0.1:1";
        var notes = new List<string>();

        var text = HAProxyConfig.Adopt(User, notes);

        var lines = text.Split('\n');
        Assert.Equal(User.Split('\n').Length, lines.Length);
        Assert.StartsWith("# (taken over by the lab)", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("# (taken over by the lab)", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("# (taken over by the lab)", lines[3], StringComparison.Ordinal);
        Assert.Equal("    log global", lines[5]);
        Assert.StartsWith("    log global  #", lines[7], StringComparison.Ordinal);
        Assert.Equal(4, notes.Count);
        Assert.Contains(notes, n => n.StartsWith("line 4:", StringComparison.Ordinal));
    }
}
