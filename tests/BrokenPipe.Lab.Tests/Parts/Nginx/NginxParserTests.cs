using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Lab.Tests.Parts.Nginx;

public sealed class NginxParserTests
{
    [Fact]
    public void Parse_NestedBlocks_GivesEachDirectiveItsParent()
    {
        var statements = NginxParser.Parse("http {\n  server { listen 80; location / { proxy_pass http://a; } }\n}");

        var listen = statements.Single(s => s.Name == "listen");
        Assert.Equal(["listen", "80"], listen.Words);
        Assert.Equal("server", statements[listen.Parent].Name);
        Assert.Equal(["http", "server", "location"], NginxParser.Context(statements, statements.ToList().FindIndex(s => s.Name == "proxy_pass")));
    }

    [Fact]
    public void Parse_CommentsQuotesAndVariables_AreReadLikeNginxDoes()
    {
        var statements = NginxParser.Parse("# listen 1;\nadd_header X \"a;b # c\"; # trailing\nset $x ${host}x;");

        Assert.DoesNotContain(statements, s => s.Name == "listen");
        Assert.Equal(["add_header", "X", "a;b # c"], statements[0].Words);
        Assert.Equal(["set", "$x", "${host}x"], statements[1].Words);
    }

    [Fact]
    public void Parse_Statement_KnowsWhereItStartsAndEnds()
    {
        const string text = "events { }\n  pid /run/x.pid;  ";

        var pid = NginxParser.Parse(text).Single(s => s.Name == "pid");

        Assert.Equal("pid /run/x.pid;", text[pid.Start..pid.End]);
    }
}
