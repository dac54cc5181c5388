namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>Where one nginx run keeps its files: all inside its run dir.</summary>
internal sealed record NginxPaths(string Prefix)
{
    public string Config => Path.Combine(Prefix, "nginx.conf");

    public string Pid => Path.Combine(Prefix, "nginx.pid");

    public string ErrorLog => Path.Combine(Prefix, "logs", "error.log");

    public string AccessLog => Path.Combine(Prefix, "logs", "access.log");

    public string Temp => Path.Combine(Prefix, "temp");
}
