using System.Net;
using System.Net.Sockets;
using BrokenPipe.Lab.Parts.Middlebox.Faults;

namespace BrokenPipe.Lab.Parts.Middlebox;

/// <summary>
/// An in-process TCP forwarder on 127.0.0.1:0 in front of any part — a load balancer, a NAT, a firewall. For each
/// client connection it connects to the target and pumps both directions, recording every connection, byte count and
/// fault it applied (side <see cref="Side.Middlebox"/>). The <see cref="Fault"/> is armed before the first connection
/// and can be changed while it runs; <see cref="NoFault"/> means off.
/// </summary>
public sealed class TcpMiddlebox : IPart, IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly Side _targetSide;
    private readonly Timeline _timeline;
    private readonly string _name;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _flows = [];
    private readonly Lock _gate = new();
    private readonly Task _accepting;
    private volatile IFault _fault;
    private int _count;

    private TcpMiddlebox(Socket listener, IPEndPoint target, Side targetSide, IFault fault, Timeline timeline, string name)
    {
        _target = target;
        _targetSide = targetSide;
        _fault = fault;
        _timeline = timeline;
        _name = name;
        _listener = listener;
        Endpoint = (IPEndPoint)_listener.LocalEndPoint!;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>The side listening at the target (Redis, the server, a proxy).</summary>
    internal Side TargetSide => _targetSide;

    /// <inheritdoc/>
    public Uri Url(string pathAndQuery = "/") => new($"http://{Endpoint}{pathAndQuery}");

    /// <summary>The fault applied to the next chunk of every flow. Setting it is recorded.</summary>
    public IFault Fault
    {
        get => _fault;
        set
        {
            _fault = value;
            _timeline.Note(Side.Middlebox, $"fault set: {value.Describe()}", _name);
        }
    }

    public static Task<TcpMiddlebox> StartAsync(LabSandbox lab, IPEndPoint target, IFault? fault = null, string name = "middlebox", CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Start(lab, Listen(IPAddress.Loopback), target, fault, name));
    }

    /// <summary>A listening socket on <paramref name="address"/> and a port from the kernel.</summary>
    internal static Socket Listen(IPAddress address)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen(128);
        return listener;
    }

    /// <summary>Starts forwarding from <paramref name="listener"/> (created elsewhere, e.g. inside a network namespace) to <paramref name="target"/>.</summary>
    internal static TcpMiddlebox Start(LabSandbox lab, Socket listener, IPEndPoint target, IFault? fault, string name)
    {
        var box = new TcpMiddlebox(listener, target, lab.SideListeningAt(target), fault ?? NoFault.Instance, lab.Timeline, name);
        lab.Own(box, name);
        lab.RegisterListener(box.Endpoint, Side.Middlebox);
        lab.RegisterFront(target, Side.Middlebox);
        lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.PartStarted, $"middlebox on {box.Endpoint} → {target}, fault: {box._fault.Describe()}") { Actor = name });
        return box;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        Task[] flows;
        lock (_gate) flows = [.. _flows];
        try
        {
            await Task.WhenAll([_accepting, .. flows]).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException or SocketException or ObjectDisposedException)
        {
            // Flows are torn down with the listener; what is left is closed with its sockets.
        }
        _timeline.Record(new LabEvent(Side.Lab, EventKind.PartStopped, "middlebox stopped") { Actor = _name });
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var flow = new Flow(Interlocked.Increment(ref _count));
            lock (_gate) _flows.Add(Task.Run(() => RunFlowAsync(client, flow)));
        }
    }

    private async Task RunFlowAsync(Socket client, Flow flow)
    {
        var actor = $"{_name}#{flow.Number}";
        var fault = _fault;
        _timeline.Record(new LabEvent(Side.Middlebox, EventKind.Accepted, $"flow #{flow.Number} from {client.RemoteEndPoint} (fault: {fault.Describe()})") { Actor = actor });
        Socket? target = null;
        using var end = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, flow.ResetTimer.Token);
        try
        {
            if (fault.OnConnect(flow) == FaultAction.Reset)
            {
                Reset(client, null, actor, "the fault resets the connection at once");
                return;
            }
            if (fault.ConnectsToTarget)
            {
                target = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await target.ConnectAsync(_target, end.Token).ConfigureAwait(false);
                }
                catch (SocketException e)
                {
                    _timeline.RecordFailure(Side.Middlebox, EventKind.RequestFailed, e, actor, $"connect to the target {_target}");
                    Reset(client, null, actor, "the target refused: the client gets an RST");
                    return;
                }
                _timeline.Record(new LabEvent(Side.Middlebox, EventKind.Connected, $"flow #{flow.Number} connected to the target {_target}") { Actor = actor });
            }
            var pumps = Task.WhenAll(PumpAsync(client, target, flow, Direction.Upstream, actor, end), PumpAsync(target, client, flow, Direction.Downstream, actor, end));
            var ended = Task.Delay(Timeout.Infinite, end.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            await Task.WhenAny(pumps, ended).ConfigureAwait(false);
            // A blackholed flow stays open and silent — even its FINs were swallowed — until the middlebox stops.
            if (flow.Blackholed && !end.IsCancellationRequested) await ended.ConfigureAwait(false);
            if (flow.ResetTimer.IsCancellationRequested && !_stop.IsCancellationRequested)
            {
                Reset(client, target, actor, "the fault's timer fired: RST to both sides");
            }
        }
        finally
        {
            _timeline.Record(new LabEvent(Side.Middlebox, EventKind.Measured, $"flow #{flow.Number} ended: {flow.Upstream} bytes upstream, {flow.Downstream} downstream") { Actor = actor, Bytes = flow.Upstream + flow.Downstream, Measurement = new("flow-bytes", flow.Upstream + flow.Downstream, "bytes") });
            client.Dispose();
            target?.Dispose();
        }
    }

    /// <summary>Moves bytes from <paramref name="from"/> to <paramref name="to"/>, asking the fault about each chunk.</summary>
    private async Task PumpAsync(Socket? from, Socket? to, Flow flow, Direction direction, string actor, CancellationTokenSource end)
    {
        if (from is null) return;
        var buffer = new byte[64 * 1024];
        var dropping = false;
        while (!end.IsCancellationRequested)
        {
            int n;
            try
            {
                n = await from.ReceiveAsync(buffer, SocketFlags.None, end.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.OperationAborted || end.IsCancellationRequested)
            {
                // The flow was reset or closed by the middlebox itself (its sockets closed under this read).
                return;
            }
            catch (SocketException e)
            {
                // An RST from one side becomes an RST on the other: the reset is that side's, the middlebox only passes it on.
                var peer = direction == Direction.Upstream ? Side.Client : _targetSide;
                _timeline.RecordFailure(Side.Middlebox, EventKind.ReceiveFailed, e, actor, $"{Name(direction)} read failed", peer: peer);
                Reset(null, to, actor, $"passing the reset on to the {(direction == Direction.Upstream ? "target" : "client")}", reply: true);
                await end.CancelAsync().ConfigureAwait(false);
                return;
            }
            var (action, forward, resetAfter) = await _fault.OnDataAsync(new FaultContext(flow, direction, n), end.Token).ConfigureAwait(false);
            if (resetAfter is { } delay) flow.ResetTimer.CancelAfter(delay);
            if (action == FaultAction.Drop) flow.Blackholed = true;
            if (forward > 0 && to is not null && action != FaultAction.Drop)
            {
                if (!await SendAsync(to, buffer.AsMemory(0, forward), actor, direction, end).ConfigureAwait(false)) return;
                flow.Count(direction, forward);
            }
            switch (action)
            {
                case FaultAction.Drop:
                    if (!dropping)
                    {
                        dropping = true;
                        _timeline.Record(new LabEvent(Side.Middlebox, EventKind.FlowDropped, $"{Name(direction)}: the fault drops everything silently from here on (no FIN, no RST)") { Actor = actor, Closed = CloseHow.Drop, From = direction == Direction.Upstream ? Side.Client : _targetSide });
                    }
                    if (n == 0)
                    {
                        // That side's FIN, swallowed: nothing goes on, the other end never learns of it. It is still that
                        // side's close on the wire (its FIN reached the middlebox, whose kernel ACKed it): recorded as
                        // such, and never as a reply — the other side did not see it, so nothing answers it either.
                        var closer = direction == Direction.Upstream ? Side.Client : _targetSide;
                        _timeline.Record(new LabEvent(Side.Middlebox, EventKind.PeerClosed, $"{Name(direction)}: FIN from the {TimelineFormat.SideName(closer)}, swallowed by the fault (nothing is passed on)") { Actor = actor, Closed = CloseHow.Fin, Peer = closer, From = closer });
                        return;
                    }
                    continue;
                case FaultAction.Reset:
                    Reset(direction == Direction.Upstream ? from : to, direction == Direction.Upstream ? to : from, actor, $"{_fault.Describe()}: RST to both sides");
                    await end.CancelAsync().ConfigureAwait(false);
                    return;
                case FaultAction.Close:
                    _timeline.Record(new LabEvent(Side.Middlebox, EventKind.ClosedFin, $"{_fault.Describe()}: FIN to both sides") { Actor = actor, Closed = CloseHow.Fin });
                    TryShutdown(from);
                    TryShutdown(to);
                    await end.CancelAsync().ConfigureAwait(false);
                    return;
            }
            if (n == 0)
            {
                // That side's FIN: pass it on as a FIN, and let the other direction run until it ends too. Recorded as that
                // side's close (the middlebox is first to see it), so the first disconnect names the side that really closed;
                // the flow's second FIN answers the first.
                var closer = direction == Direction.Upstream ? Side.Client : _targetSide;
                var reply = Interlocked.Increment(ref flow.FinsRelayed) > 1;
                _timeline.Record(new LabEvent(Side.Middlebox, EventKind.PeerClosed, $"{Name(direction)}: FIN from the {TimelineFormat.SideName(closer)}, passed on as a FIN") { Actor = actor, Closed = CloseHow.Fin, Peer = closer, From = closer, Reply = reply });
                TryShutdown(to);
                return;
            }
        }
    }

    private async Task<bool> SendAsync(Socket to, ReadOnlyMemory<byte> data, string actor, Direction direction, CancellationTokenSource end)
    {
        try
        {
            await to.SendAsync(data, SocketFlags.None, end.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException e)
        {
            _timeline.RecordFailure(Side.Middlebox, EventKind.SendFailed, e, actor, $"{Name(direction)} write failed");
            await end.CancelAsync().ConfigureAwait(false);
            return false;
        }
    }

    private void Reset(Socket? a, Socket? b, string actor, string why, bool reply = false)
    {
        _timeline.Record(new LabEvent(Side.Middlebox, EventKind.ClosedRst, why) { Actor = actor, Reply = reply, Closed = CloseHow.Rst });
        foreach (var s in new[] { a, b })
        {
            if (s is null) continue;
            try
            {
                s.LingerState = new LingerOption(true, 0);
                s.Close();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
            }
        }
    }

    private static void TryShutdown(Socket? s)
    {
        try
        {
            s?.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private static string Name(Direction direction) => direction == Direction.Upstream ? "client → target" : "target → client";
}
