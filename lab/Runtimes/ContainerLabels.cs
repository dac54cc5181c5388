using System.Globalization;
using Docker.DotNet.Models;

namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// The labels every lab container carries: which run it belongs to and which process owns it (PID and that process's
/// start time, so a reused PID is not taken for the owner). <c>docker ps -a --filter label=brokenpipe.lab.run</c> lists them.
/// </summary>
internal static class ContainerLabels
{
    /// <summary>The run id: the lab's run dir name (<c>NAME-PID-RANDOM</c>).</summary>
    public const string Run = "brokenpipe.lab.run";

    /// <summary>The PID of the process that owns the lab.</summary>
    public const string OwnerPid = "brokenpipe.lab.owner-pid";

    /// <summary>The owner's start time (field 22 of /proc/PID/stat).</summary>
    public const string OwnerStart = "brokenpipe.lab.owner-start";

    /// <summary>The labels of a container started for <paramref name="lab"/>.</summary>
    public static IReadOnlyDictionary<string, string> For(IRuntimeHost lab) => new Dictionary<string, string>
    {
        [Run] = Path.GetFileName(lab.Directory),
        [OwnerPid] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        [OwnerStart] = Reaper.StartTime(Environment.ProcessId),
    };

    /// <summary>Every lab container on the engine (running or not): its id and its owner's PID and start time.</summary>
    internal static async Task<IReadOnlyList<(string Id, int Pid, string Start)>> ListAsync(CancellationToken cancellationToken = default)
    {
        var containers = await DockerEngine.Client.Containers.ListContainersAsync(
            new ContainersListParameters { All = true, Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [Run] = true } } },
            cancellationToken).ConfigureAwait(false);
        return [.. containers.Select(c => (
            c.ID,
            c.Labels.TryGetValue(OwnerPid, out var pid) && int.TryParse(pid, CultureInfo.InvariantCulture, out var p) ? p : 0,
            c.Labels.TryGetValue(OwnerStart, out var start) ? start : ""))];
    }
}
