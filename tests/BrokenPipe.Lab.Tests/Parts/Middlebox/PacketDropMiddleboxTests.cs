using System.Diagnostics;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox;
using BrokenPipe.Lab.Runtimes;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

/// <summary>The real-packet drop: a namespace's conntrack forgets an idle flow and nftables drops its packets (root only).</summary>
public sealed class PacketDropMiddleboxTests
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(1);

    /// <summary>Longer than T by more than conntrack's timer granularity, so the entry has surely expired.</summary>
    private static readonly TimeSpan PastT = TimeSpan.FromSeconds(2);

    [NeedsRootFact]
    public async Task IdleLongerThanT_TheClientsBytesAreNeverAcked_ItRetransmitsAndTimesOut_ANewConnectionWorks()
    {
        await using var lab = new LabSandbox("mb-packet-drop");
        using var listener = Wire.Listen();
        var box = await PacketDropMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), T);
        using var client = await Wire.ConnectAsync(box.Endpoint);
        using var target = await Wire.AcceptAsync(listener);
        await ExchangeAsync(client, target);

        await Task.Delay(PastT); // the idle time is the behaviour under test
        TcpOptions.UserTimeout(client, TimeSpan.FromSeconds(2)); // bound the retransmissions
        await Wire.SendAsync(client, "late request"u8.ToArray());
        var retransmitting = await UntilAsync(() => TcpInfo.Read(client) is { Unacked: > 0, TotalRetransmits: > 0 } info ? info : (TcpInfo?)null);
        var atClient = await Wire.ReadToEndAsync(client, Bound.Wait);
        var atTarget = await Wire.ReadToEndAsync(target, Wire.Silence);
        await lab.Timeline.WaitForAsync(e => e.Kind == EventKind.FlowDropped && e.From == Side.Client, Bound.Wait);

        Assert.Equal(TcpState.Established, retransmitting.State);
        Assert.Equal((0, ReadEndKind.Error, SocketError.TimedOut), (atClient.Bytes.Length, atClient.Kind, atClient.Error));
        Assert.Equal((0, ReadEndKind.Silence), (atTarget.Bytes.Length, atTarget.Kind));
        Assert.True((await box.ReadCountersAsync()).FromClient >= 2, "the first transmission and at least one retransmission were dropped");

        using var again = await Wire.ConnectAsync(box.Endpoint); // a SYN starts a new flow
        using var againTarget = await Wire.AcceptAsync(listener);
        await ExchangeAsync(again, againTarget);
    }

    [NeedsRootFact]
    public async Task ForgottenFlow_KeepaliveProbesGoUnanswered_TheIdleReaderGetsETIMEDOUT()
    {
        await using var lab = new LabSandbox("mb-packet-drop-keepalive");
        using var listener = Wire.Listen();
        var box = await PacketDropMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), T);
        using var client = await Wire.ConnectAsync(box.Endpoint);
        using var target = await Wire.AcceptAsync(listener);
        // The first probe leaves after 2 s idle, when the flow is already forgotten; 2 unanswered probes 1 s apart end it.
        TcpOptions.KeepAlive(client, idleSeconds: 2, intervalSeconds: 1, count: 2);
        await ExchangeAsync(client, target);
        var clock = Stopwatch.StartNew();

        var atClient = await Wire.ReadToEndAsync(client, Bound.Wait);

        Assert.Equal((0, ReadEndKind.Error, SocketError.TimedOut), (atClient.Bytes.Length, atClient.Kind, atClient.Error));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(8)); // 2 s idle + 2 probes × 1 s
    }

    [NeedsRootFact]
    public async Task BusyFlow_PassesForLongerThanT_NothingDropped()
    {
        await using var lab = new LabSandbox("mb-packet-drop-busy");
        using var listener = Wire.Listen();
        var box = await PacketDropMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), T);
        using var client = await Wire.ConnectAsync(box.Endpoint);
        using var target = await Wire.AcceptAsync(listener);

        for (var i = 0; i < 5; i++)
        {
            await ExchangeAsync(client, target);
            await Task.Delay(TimeSpan.FromMilliseconds(500)); // the rhythm, half of T, is what keeps the flow known
        }

        Assert.Equal((0L, 0L), await box.ReadCountersAsync());
    }

    [NeedsRootFact]
    public async Task Dispose_LeavesNoNamespaceNoInterfaceAndNoHostRule()
    {
        var labTableBefore = (await HostRulesetAsync()).Contains("table inet lab", StringComparison.Ordinal);
        string ns, host;
        using var listener = Wire.Listen();
        await using (var lab = new LabSandbox("mb-packet-drop-cleanup"))
        {
            var box = await PacketDropMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), T);
            (ns, host) = (box.NamespaceName, box.HostInterface);
            using var client = await Wire.ConnectAsync(box.Endpoint); // a flow still open at dispose
            Assert.True(NetworkNamespace.Exists(ns) && NetworkNamespace.InterfaceExists(host));
        }

        Assert.False(NetworkNamespace.Exists(ns), $"namespace {ns} left behind");
        Assert.False(NetworkNamespace.InterfaceExists(host), $"interface {host} left behind");
        // Not the whole host ruleset before and after: a Docker engine rewrites its own chains whenever a test beside this
        // one publishes a port. What matters is that nothing of the lab's reached the host.
        var rulesAfter = await HostRulesetAsync();
        Assert.DoesNotContain(host, rulesAfter, StringComparison.Ordinal);
        Assert.Equal(labTableBefore, rulesAfter.Contains("table inet lab", StringComparison.Ordinal));
    }

    [NeedsRootFact]
    public async Task ANamespaceOfADeadLab_IsRemovedByTheNextLab()
    {
        using var dead = Process.Start("true")!;
        await dead.WaitForExitAsync();
        var slot = Random.Shared.Next(16384);
        var (ns, host) = ($"bpl-{slot}", $"bpl{slot}h");
        await Command.RunCheckedAsync("ip", ["netns", "add", ns]);
        await Command.RunCheckedAsync("ip", ["link", "add", host, "type", "veth", "peer", "name", $"bpl{slot}n", "netns", ns]);
        // The dead lab's run dir appears at once, registry included: labs of tests running beside this one reap
        // dead run dirs too, and one that saw the dir before the namespace existed would remove the dir and leave
        // the namespace (seen in a CI run).
        var dir = Path.Combine(LabSandbox.TempRoot, $"crashed-{dead.Id}-{Guid.NewGuid():N}");
        var staging = Path.Combine(LabSandbox.TempRoot, $"staging{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        await File.WriteAllTextAsync(Path.Combine(staging, "namespaces"), ns + "\n");
        Directory.Move(staging, dir);

        await using (new LabSandbox("reaper")) { }

        Assert.False(NetworkNamespace.Exists(ns), $"namespace {ns} left behind");
        Assert.False(NetworkNamespace.InterfaceExists(host), $"interface {host} left behind");
        Assert.False(Directory.Exists(dir));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.5)]
    [InlineData(0)]
    public async Task IdleNotInWholeSeconds_IsRefusedBeforeAnythingIsCreated(double seconds)
    {
        await using var lab = new LabSandbox("mb-packet-drop-bad-idle");
        using var listener = Wire.Listen();

        var e = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => PacketDropMiddlebox.StartAsync(lab, Wire.EndpointOf(listener), TimeSpan.FromSeconds(seconds)));

        Assert.Contains("whole seconds", e.Message, StringComparison.Ordinal);
    }

    private static async Task<string> HostRulesetAsync() =>
        BinaryLocator.Find(ServerProgram.Nft) is { } nft ? (await Command.RunAsync(nft, ["list", "ruleset"])).Output : "";

    /// <summary>Polls <paramref name="probe"/> until it returns a value, bounded by <see cref="Bound.Wait"/>.</summary>
    private static async Task<TValue> UntilAsync<TValue>(Func<TValue?> probe)
        where TValue : struct
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Bound.Wait)
        {
            if (probe() is { } value) return value;
            await Task.Delay(50);
        }
        throw new TimeoutException($"not within {Bound.Wait.TotalSeconds:0} s");
    }

    private static Task ExchangeAsync(Socket client, Socket target) => Wire.ExchangeAsync(client, target, "ping"u8.ToArray(), "pong"u8.ToArray());
}
