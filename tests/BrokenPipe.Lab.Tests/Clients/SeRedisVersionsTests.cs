namespace BrokenPipe.Lab.Tests.Clients;

/// <summary>Version names and the --seredis grammar.</summary>
public sealed class SeRedisVersionsTests
{
    [Theory]
    [InlineData("all", "1.2.6 2.8.16 3.4.35")]
    [InlineData("ALL", "1.2.6 2.8.16 3.4.35")]
    [InlineData("3.4.35", "3.4.35")]
    [InlineData("3.4.35, 1.2.6,3.4.35", "1.2.6 3.4.35")]
    public void Parse_KnownNames_GivesTheVersionsOldestFirst(string text, string expected)
    {
        Assert.Equal(expected, string.Join(' ', SeRedisVersions.Parse(text)!.Select(v => v.Name())));
    }

    [Theory]
    [InlineData("")]
    [InlineData("2.9")]
    [InlineData("1.2.6,x")]
    public void Parse_UnknownName_IsNull(string text)
    {
        Assert.Null(SeRedisVersions.Parse(text));
    }

    [Fact]
    public void Default_Is3x()
    {
        Assert.Equal([SeRedisVersion.V3_4_35], LabSettings.Default.SeRedis);
    }
}
