using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Runtimes;

public sealed class ServerProgramTests
{
    [Fact]
    public void InstallHint_Nginx_NamesAptGetDnfAndBrewWithTheirPackages()
    {
        var hint = NginxProgram.Descriptor.InstallHint;

        Assert.Contains("nginx is not installed", hint);
        Assert.Contains("apt-get install nginx-light", hint);
        Assert.Contains("dnf install nginx", hint);
        Assert.Contains("brew install nginx", hint);
    }

    [Fact]
    public void InstallHint_CustomProgram_UsesEachPlatformsPackage()
    {
        var hint = new ServerProgram("srv", "deb-pkg", "rpm-pkg", "brew-pkg", []).InstallHint;

        Assert.Contains("apt-get install deb-pkg", hint);
        Assert.Contains("dnf install rpm-pkg", hint);
        Assert.Contains("brew install brew-pkg", hint);
    }

    [Fact]
    public void Candidates_NginxAndRedis_IncludeTheDebianPaths()
    {
        Assert.Contains("/usr/sbin/nginx", NginxProgram.Descriptor.Candidates);
        Assert.Contains("/usr/bin/redis-server", RedisProgram.Descriptor.Candidates);
    }
}
