using System.Globalization;
using Docker.DotNet.Models;
using BrokenPipe.Lab.Parts.Nginx;
using BrokenPipe.Lab.Parts.Redis;
using BrokenPipe.Lab.Protocols;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Runtimes;

/// <summary>
/// The docker runtime against a real engine: a part in a container starts, logs onto the timeline with the same kinds,
/// is killed, restarted on its port, paused and resumed, carries the lab's labels, and is reaped when its owner dies.
/// Skipped, with the reason, where no engine answers.
/// </summary>
public sealed class DockerRuntimeTests
{
    [DockerFact]
    public async Task Start_RedisOnDocker_AnswersOnTheHostNetworkWithTheLabsLabels()
    {
        await using var lab = new LabSandbox("docker-start") { Settings = await DockerSettings.HostNetworkAsync() };

        var redis = await RedisServer.StartAsync(lab);

        Assert.Equal("PONG", Resp.Render(await redis.CommandAsync("PING")));
        var container = Assert.Single(await ContainersOfAsync(lab));
        Assert.Equal(Environment.ProcessId.ToString(CultureInfo.InvariantCulture), container.Labels[ContainerLabels.OwnerPid]);
        Assert.NotEmpty(container.Labels[ContainerLabels.OwnerStart]);
        Assert.Equal("host", container.HostConfig.NetworkMode);
        Assert.True(Directory.Exists($"/proc/{redis.Pid}"), $"the container's redis-server is not host PID {redis.Pid}");
    }

    [DockerFact]
    public async Task Log_RedisOnDocker_ReachesTheTimelineWithTheLocalKinds()
    {
        await using var lab = new LabSandbox("docker-log") { Settings = await DockerSettings.HostNetworkAsync() };
        var redis = await RedisServer.StartAsync(lab, new RedisOptions { IdleTimeout = TimeSpan.FromSeconds(1) });

        await using var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint))!;
        await probe.SendAsync("PING");

        await lab.Timeline.WaitForAsync(EventKind.RedisReady, Bound.Wait, Side.Redis);
        await lab.Timeline.WaitForAsync(EventKind.RedisIdleClientClosed, Bound.Wait, Side.Redis);
    }

    [DockerFact]
    public async Task KillThenRestart_RedisOnDocker_ClientReadsEofAndTheSamePortAnswersAgain()
    {
        await using var lab = new LabSandbox("docker-kill") { Settings = await DockerSettings.HostNetworkAsync() };
        var redis = await RedisServer.StartAsync(lab);
        var probe = (await RespProbe.ConnectAsync(lab, redis.Endpoint))!;
        var before = Assert.Single(await ContainersOfAsync(lab)).ID;

        await redis.KillAsync();
        await probe.ReadReplyAsync(Bound.Wait);
        await redis.RestartAsync();

        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.EndOfStream && e.Actor == "probe", Bound.Wait, "the probe's EOF");
        Assert.Equal("PONG", Resp.Render(await redis.CommandAsync("PING")));
        Assert.NotEqual(before, Assert.Single(await ContainersOfAsync(lab)).ID);
    }

    [DockerFact]
    public async Task PauseResume_RedisOnDocker_FreezesTheContainerThenAnswers()
    {
        await using var lab = new LabSandbox("docker-pause") { Settings = await DockerSettings.HostNetworkAsync() };
        var redis = await RedisServer.StartAsync(lab);

        redis.Pause();
        var paused = (await DockerEngine.Client.Containers.InspectContainerAsync(Assert.Single(await ContainersOfAsync(lab)).ID)).State?.Paused == true;
        using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Resp.CommandAsync(redis.Endpoint, ["PING"], quiet.Token));
        redis.Resume();

        Assert.True(paused);
        Assert.Equal("PONG", Resp.Render(await redis.CommandAsync("PING")));
    }

    [DockerFact]
    public async Task Dispose_LabWithContainers_RemovesThem()
    {
        var lab = new LabSandbox("docker-dispose") { Settings = await DockerSettings.HostNetworkAsync() };
        await RedisServer.StartAsync(lab);
        Assert.Single(await ContainersOfAsync(lab));

        await lab.DisposeAsync();

        Assert.Empty(await ContainersOfAsync(lab));
    }

    [DockerFact]
    public async Task StartNginx_ConfigTheImagesNginxRejects_FailsWithNginxsOwnWords()
    {
        await using var lab = new LabSandbox("docker-nginx-t") { Settings = await DockerSettings.HostNetworkAsync() };
        var template = Path.Combine(lab.Directory, "bad.conf");
        await File.WriteAllTextAsync(template, "events {}\nhttp { server { listen {{listen}}; no_such_directive on; location / { proxy_pass http://{{upstream}}; } } }\n");

        var e = await Assert.ThrowsAsync<NginxConfigException>(() => NginxProxy.StartAsync(lab, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 9), new NginxOptions { ConfigTemplatePath = template }));

        Assert.Contains("unknown directive \"no_such_directive\"", e.Message, StringComparison.Ordinal);
        // The rejected nginx has exited; its container's removal overlaps the lab's other stops and is done by its disposal.
        await lab.DisposeAsync();
        Assert.Empty(await ContainersOfAsync(lab));
    }

    [DockerFact]
    public async Task Reap_ContainerOfADeadOwner_IsRemoved()
    {
        var settings = await DockerSettings.HostNetworkAsync();
        var run = $"x-{int.MaxValue - 1}-{Guid.NewGuid():N}";
        var id = await StartOrphanAsync(settings.Images["redis"], run, ownerPid: int.MaxValue - 1);

        await Reaper.ReapOrphanContainersAsync();

        Assert.Empty(await ContainersAsync(run));
        await Assert.ThrowsAsync<Docker.DotNet.DockerContainerNotFoundException>(() => DockerEngine.Client.Containers.InspectContainerAsync(id));
    }

    [DockerFact]
    public async Task NewLab_DirOfADeadOwnerListingAContainer_RemovesIt()
    {
        var settings = await DockerSettings.HostNetworkAsync();
        var id = Guid.NewGuid().ToString("N");
        // A live owner's labels: only the dead lab dir's registry can lead the reaper to it.
        var container = await StartOrphanAsync(settings.Images["redis"], $"y-{id}", Environment.ProcessId);
        var staging = Path.Combine(LabSandbox.TempRoot, $"staging{id}");
        Directory.CreateDirectory(staging);
        await File.WriteAllTextAsync(Path.Combine(staging, Reaper.ContainerRegistry), container + Environment.NewLine);
        var dir = Path.Combine(LabSandbox.TempRoot, $"x-{int.MaxValue - 2}-{id}");
        Directory.Move(staging, dir);

        await using var lab = new LabSandbox("reaper-containers");

        // Other tests' labs reap too: wait on the outcome, not on which lab produced it.
        Assert.True(await ProcFs.PollAsync(() => !Directory.Exists(dir), Bound.Wait), $"{dir} is still there");
        Assert.Empty(await ContainersAsync($"y-{id}"));
    }

    /// <summary>A container as a dead lab leaves it: running, labelled with an owner that is gone, on no network.</summary>
    private static async Task<string> StartOrphanAsync(string image, string run, int ownerPid)
    {
        var client = DockerEngine.Client;
        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = image,
            Entrypoint = ["redis-server"],
            Cmd = ["--port", "0", "--save", ""],
            Labels = new Dictionary<string, string>
            {
                [ContainerLabels.Run] = run,
                [ContainerLabels.OwnerPid] = ownerPid.ToString(CultureInfo.InvariantCulture),
                [ContainerLabels.OwnerStart] = ownerPid == Environment.ProcessId ? Reaper.StartTime(ownerPid) : "1",
            },
            HostConfig = new HostConfig { NetworkMode = "none" },
        });
        await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
        return created.ID;
    }

    private static Task<IList<ContainerListResponse>> ContainersOfAsync(LabSandbox lab) => ContainersAsync(Path.GetFileName(lab.Directory));

    private static async Task<IList<ContainerListResponse>> ContainersAsync(string run) =>
        await DockerEngine.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{ContainerLabels.Run}={run}"] = true } },
        });
}
