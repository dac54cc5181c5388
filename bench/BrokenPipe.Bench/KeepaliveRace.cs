using System.Globalization;
using System.Text.RegularExpressions;
using BrokenPipe.Lab.Parts.Kestrel;
using BrokenPipe.Lab.Parts.Nginx;

namespace BrokenPipe.Bench;

/// <summary>
/// The upstream keep-alive race with real Kestrel timing (<c>--keepalive-race N</c>). The catalog's
/// <c>upstream-keepalive-race</c> makes the race certain with a raw upstream; this measures how often it happens when
/// Kestrel (KeepAliveTimeout 1 s) closes the idle connection itself and nginx (upstream keepalive 8, keepalive_timeout
/// 60 s) reuses it.
/// <para>
/// Kestrel checks the keep-alive deadline on the ticks of its 1 s heartbeat. The deadline is KeepAliveTimeout + 1 s
/// after the connection's last tick — or after its creation, before its first tick — so a connection that has seen a
/// tick is closed on the second tick after the one before its last response (1–2 s of idle), and a new connection on
/// the third (2–3 s). The heartbeat's period is a little over 1 s and drifts, so every prediction starts from a tick
/// observed one period before. Each trial, T0 … T4 being consecutive ticks, all in one lab:
/// </para>
/// <list type="number">
/// <item>T0 + 800 ms: probe P0, a new direct connection to Kestrel, gets its response (Kestrel closes it on T3);</item>
/// <item>T1 + 800 ms: probe P1 likewise (closed on T4), and a priming request through nginx, so that the pooled upstream
/// connection has seen a tick whatever came before;</item>
/// <item>T2 + 800 ms: request A through nginx refreshes that connection: Kestrel will close it on T4;</item>
/// <item>P0's FIN dates T3; request B (GET and POST alternately), on a connection to nginx made beforehand, goes out at
/// T3 + period + δ, δ swept over <see cref="Deltas"/>;</item>
/// <item>a hit is nginx logging "upstream prematurely closed connection" (or a reset) for B; P1's FIN (or the pooled
/// connection's, if earlier) dates T4 as it came, to grade the prediction and place B after the fact.</item>
/// </list>
/// Then a control: N requests through nginx 1.0 s apart. A trial takes 4 s; every wait is bounded.
/// </summary>
internal sealed partial class KeepaliveRace(LabSandbox lab, KestrelServer kestrel, NginxProxy nginx, Progress progress)
{
    /// <summary>δ: when B goes out, relative to the predicted tick that closes the pooled connection: −3 … +2 ms in 0.25 ms steps.</summary>
    public static readonly IReadOnlyList<double> Deltas = [.. Enumerable.Range(0, 21).Select(i => -3 + (i * 0.25))];

    /// <summary>
    /// The δ of trial <paramref name="i"/> (from 0): the sweep in a stride of 8 steps (8 and 21 share no factor), so that
    /// even a few trials spread over the whole range; every 21 trials visit each δ once, and the next 21 with the other
    /// method (21 is odd).
    /// </summary>
    public static double DeltaOf(int i) => Deltas[(i * 8) % Deltas.Count];

    /// <summary>Kestrel's idle timeout: it closes an idle connection on a heartbeat tick 1–2 s later (see the class).</summary>
    public static readonly TimeSpan KestrelKeepAlive = TimeSpan.FromSeconds(1);

    /// <summary>nginx's pool of idle upstream connections (this sets HTTP/1.1 and an empty Connection header).</summary>
    public const int NginxKeepalive = 8;

    /// <summary>Where in a tick interval the probes and requests get their response: 800 ms after a tick, 200 ms before the next, far from both.</summary>
    private const double LeadMs = 800;

    /// <summary>The response body of Kestrel's handler, and the body of a POST.</summary>
    private const int BodyBytes = 32;

    /// <summary>Spacing of the control requests, start to start.</summary>
    private const double ControlSpacingMs = 1000;

    /// <summary>A trial whose FIN comes this far from where the tick arithmetic puts it is void (an error): the tick model did not hold.</summary>
    private const double FinToleranceMs = 100;

    /// <summary>After this many trials in a row end in an error, the run stops: the lab is not behaving.</summary>
    private const int MaxErrorsInARow = 3;

    private static readonly TimeSpan ProbeDeadline = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan RequestDeadline = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan LogDeadline = TimeSpan.FromSeconds(3);

    private readonly HeartbeatClock _clock = new();
    private Timeline Timeline => lab.Timeline;

    /// <summary>Sets up one lab (Kestrel, nginx in front), runs <paramref name="trials"/> trials and as many control requests.</summary>
    public static async Task<RaceResult> RunAsync(int trials, Progress progress, CancellationToken cancellationToken)
    {
        await using var lab = new LabSandbox("bench-keepalive-race");
        var kestrel = await KestrelServer.StartAsync(
            lab,
            exchange => exchange.WriteAsync(BodyBytes),
            new KestrelOptions { Name = "kestrel", KeepAliveTimeout = KestrelKeepAlive },
            cancellationToken);
        // The default upstream keepalive_timeout (60 s): nginx keeps the idle connection far longer than Kestrel does.
        var nginx = await NginxProxy.StartAsync(lab, kestrel.Endpoint, new NginxOptions { Name = "nginx", UpstreamKeepalive = NginxKeepalive }, cancellationToken);
        var race = new KeepaliveRace(lab, kestrel, nginx, progress);
        return await race.MeasureAsync(trials, cancellationToken);
    }

    private async Task<RaceResult> MeasureAsync(int trials, CancellationToken cancellationToken)
    {
        const string label = "[race]";
        progress.Update(label, "heartbeat phase", 0, 1);
        await LearnPhaseAsync(cancellationToken);
        progress.Done(label, "heartbeat phase", 1, $"a tick at {Ms(_clock.LastTickMs!.Value)} ms on the lab's clock");

        var results = new List<RaceTrial>(trials);
        string? stopped = null;
        var errorsInARow = 0;
        for (var i = 0; i < trials; i++)
        {
            var hits = results.Count(t => t.Hit);
            progress.Update(label, "timed trials", i, trials, $"{hits} hit{(hits == 1 ? "" : "s")}");
            var trial = await RunTrialAsync(i + 1, DeltaOf(i), i % 2 == 0 ? "GET" : "POST", cancellationToken);
            results.Add(trial);
            errorsInARow = trial.Error is null ? 0 : errorsInARow + 1;
            if (errorsInARow >= MaxErrorsInARow)
            {
                stopped = $"stopped after {MaxErrorsInARow} trials in a row ended in an error";
                break;
            }
        }
        var hitCount = results.Count(t => t.Hit);
        progress.Done(label, "timed trials", results.Count, $"{hitCount} hit{(hitCount == 1 ? "" : "s")}{(stopped is null ? "" : $"; {stopped}")}");

        progress.Update(label, "control", 0, trials);
        var control = await RunControlAsync(trials, label, cancellationToken);
        progress.Done(label, "control", control.Requests, $"{control.Hits} hit{(control.Hits == 1 ? "" : "s")}");
        return new RaceResult(trials, results, control, _clock.PeriodMs, stopped);
    }

    /// <summary>
    /// The heartbeat's phase, from one direct connection: one request, the socket left open, and the moment Kestrel logs
    /// "sending FIN" for it. Also warms up every path a trial takes (JIT), including a timed request through nginx.
    /// </summary>
    private async Task LearnPhaseAsync(CancellationToken cancellationToken)
    {
        var probe = StartProbe("/probe/phase", cancellationToken);
        try
        {
            using (var warm = await TimedRequest.ConnectAsync(Timeline, nginx.Endpoint, "client[warm-up]", cancellationToken))
            {
                await warm.SendAtAsync(Timeline.Now.TotalMilliseconds + 5, TimedRequest.Request("GET", "/warm-up", 0), "GET /warm-up", cancellationToken);
                var response = await warm.ReadAsync(RequestDeadline, cancellationToken);
                if (response.Status != 200) throw new RaceSetupException($"the warm-up request through nginx got {Describe(response)}");
            }
            var fin = await probe.Fin;
            _clock.Observe(fin.At.TotalMilliseconds, cold: true);
        }
        finally
        {
            await probe.SettleAsync();
        }
    }

    private async Task<RaceTrial> RunTrialAsync(int index, double delta, string method, CancellationToken cancellationToken)
    {
        var trial = new RaceTrial { Index = index, DeltaMs = delta, Method = method };
        var period = _clock.PeriodMs;
        // T0 + 800 ms, 20 ms from now at the earliest (the previous trial's request B has just been answered).
        var p0At = _clock.Next(LeadMs, Timeline.Now.TotalMilliseconds + 20);
        var t0 = p0At - LeadMs;
        Probe? p0 = null;
        Probe? p1 = null;
        try
        {
            // The moments ARE the experiment: each probe and request must be answered inside a known tick interval.
            await DelayUntilAsync(p0At, cancellationToken);
            p0 = StartProbe($"/probe/{index}/0", cancellationToken); // new connection: closed on T3
            await DelayUntilAsync(p0At + period, cancellationToken);
            p1 = StartProbe($"/probe/{index}/1", cancellationToken); // new connection: closed on T4
            var primePath = $"/race/{index}/prime";
            var prime = await ThroughNginxAsync($"client[{index}prime]", primePath, cancellationToken);
            if (prime is not null) return trial with { Error = $"the priming request {prime}" };
            await DelayUntilAsync(p0At + (2 * period), cancellationToken);
            var aPath = $"/race/{index}/a";
            var a = await ThroughNginxAsync($"client[{index}a]", aPath, cancellationToken);
            if (a is not null) return trial with { Error = $"request A {a}" };
            var aDone = Timeline.Now.TotalMilliseconds;
            var t3 = t0 + (3 * period);
            if (aDone > t3 - 50) return trial with { Error = $"request A was answered {Ms(t3 - aDone)} ms before tick T3: too close to it to know which tick closes its connection" };
            var events = Timeline.Snapshot();
            if (ConnectionOf(events, aPath) is not { } pooled || pooled != ConnectionOf(events, primePath))
                return trial with { Error = "request A did not reuse the priming request's upstream connection" };

            var bPath = $"/race/{index}/b";
            var request = TimedRequest.Request(method, bPath, method == "POST" ? BodyBytes : 0);
            using var b = await TimedRequest.ConnectAsync(Timeline, nginx.Endpoint, $"client[{index}b]", cancellationToken);

            // P0 is closed on T3: its FIN dates T3, and T4, which closes the pooled connection, is one period later.
            var f0 = (await p0.Fin).At.TotalMilliseconds;
            if (Math.Abs(f0 - t3) > FinToleranceMs) return trial with { Error = $"P0's FIN came {Ms(f0 - t3)} ms from tick T3, where it was expected" };
            _clock.Observe(f0);
            var predictedT4 = f0 + _clock.PeriodMs;
            var target = predictedT4 + delta;
            var sentAt = await b.SendAtAsync(target, request, $"{method} {bPath} at the predicted close tick {(delta >= 0 ? "+" : "")}{delta:0.00} ms", cancellationToken);
            var response = await b.ReadAsync(RequestDeadline, cancellationToken);
            trial = trial with { LateMs = sentAt - target, ClientStatus = response.Status, ClientProblem = response.Problem };

            // nginx writes the access line when it is done with B (after a retry): the error lines came before it.
            var requestLine = $"\"{method} {bPath} HTTP/1.1\"";
            var access = await Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Detail.Contains(requestLine, StringComparison.Ordinal), LogDeadline, $"nginx's access line for {method} {bPath}", cancellationToken);
            nginx.Flush();
            events = Timeline.Snapshot();
            var failure = events.FirstOrDefault(e => e.Kind is EventKind.ProxyUpstreamClosed or EventKind.ProxyUpstreamReset && e.Detail.Contains(requestLine, StringComparison.Ordinal));
            trial = trial with
            {
                ProxyStatus = access.Status,
                UpstreamStatuses = NginxLogParser.UpstreamStatuses(access.Detail["access: ".Length..]),
                Hit = failure is not null,
                HitKind = failure?.Kind,
                NginxLine = failure?.Detail,
                Served = ConnectionOf(events, bPath) is not { } served ? BServed.NotServed : served == pooled ? BServed.PooledConnection : BServed.NewConnection,
            };

            // P1 shares the pooled connection's close tick: its FIN dates T4 as it came, to grade the prediction and to
            // place B after the fact. When Kestrel closed the pooled connection too, the earlier of the two FINs dates
            // T4 better (a FIN is logged a little after its tick, sometimes a few ms after, never before).
            var f1 = (await p1.Fin).At.TotalMilliseconds;
            _clock.Observe(f1);
            var t4 = Timeline.Snapshot()
                .Where(e => e.Kind == EventKind.KestrelSendingFin && e.Detail.Contains($"\"{pooled}\"", StringComparison.Ordinal) && Math.Abs(e.At.TotalMilliseconds - f1) < FinToleranceMs)
                .Select(e => e.At.TotalMilliseconds)
                .Append(f1)
                .Min();
            return trial with { PredictionErrorMs = t4 - predictedT4, ActualMs = sentAt - t4 };
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            return trial with { Error = $"{e.GetType().Name}: {e.Message.Split('\n')[0].Trim()}" };
        }
        finally
        {
            if (p0 is not null) await p0.SettleAsync();
            if (p1 is not null) await p1.SettleAsync();
        }
    }

    /// <summary>One GET through nginx that must get a complete 200; null when it did, else what it got.</summary>
    private async Task<string?> ThroughNginxAsync(string name, string path, CancellationToken cancellationToken)
    {
        var r = await RawHttpClient.RunAsync(lab, nginx.Endpoint, new RawHttpOptions { Name = name, Path = path, Deadline = RequestDeadline }, cancellationToken);
        return r.Status == 200 && r.Complete ? null : $"got {(r.Status is { } s ? $"HTTP {s}" : "no response")}{(r.Failure is { } f ? $" ({f})" : "")}";
    }

    /// <summary>The control: requests through nginx 1.0 s apart, start to start, GET and POST alternately.</summary>
    private async Task<RaceControl> RunControlAsync(int requests, string label, CancellationToken cancellationToken)
    {
        var statuses = new List<int?>(requests);
        string? error = null;
        var start = Timeline.Now.TotalMilliseconds + 20;
        for (var i = 0; i < requests; i++)
        {
            progress.Update(label, "control", i, requests);
            // The spacing IS the experiment: naive, steady traffic, with no regard for Kestrel's heartbeat.
            await DelayUntilAsync(start + (i * ControlSpacingMs), cancellationToken);
            var method = i % 2 == 0 ? "GET" : "POST";
            var result = await RawHttpClient.RunAsync(
                lab,
                nginx.Endpoint,
                new RawHttpOptions { Name = $"client[control-{i + 1}]", Method = method, Path = $"/control/{i + 1}", UploadBytes = method == "POST" ? BodyBytes : 0, Deadline = RequestDeadline },
                cancellationToken);
            statuses.Add(result.Status);
            if (result.Status is null) error ??= $"control request {i + 1} got no response ({result.Failure})";
        }
        try
        {
            await Timeline.WaitForAsync(e => e.Kind == EventKind.ProxyAccess && e.Detail.Contains($"/control/{requests} ", StringComparison.Ordinal), LogDeadline, "nginx's access line for the last control request", cancellationToken);
        }
        catch (TimeoutException e)
        {
            error ??= e.Message.Split('\n')[0].Trim();
        }
        nginx.Flush();
        var hits = Timeline.Snapshot().Count(e => e.Kind is EventKind.ProxyUpstreamClosed or EventKind.ProxyUpstreamReset && e.Detail.Contains(" /control/", StringComparison.Ordinal));
        return new RaceControl(requests, ControlSpacingMs, hits, statuses.Count(s => s == 502), error);
    }

    /// <summary>
    /// A direct connection to Kestrel with one request, kept open: the client stalls (reads nothing) until Kestrel logs
    /// "sending FIN" for its connection, then reads the response and the EOF. <see cref="Probe.Fin"/> is that log event.
    /// </summary>
    private Probe StartProbe(string path, CancellationToken cancellationToken)
    {
        string? connection = null;
        // Kestrel's log names the connection, not the client: the request's own line ties the path to the connection id.
        // Called under the timeline's lock, in the order of the events, by both waiters below.
        bool IsFin(LabEvent e)
        {
            if (connection is null && e.Kind == EventKind.RequestReceived && e.Detail.StartsWith($"GET {path} ", StringComparison.Ordinal)) connection = ConnectionId(e.Detail);
            return connection is not null && e.Kind == EventKind.KestrelSendingFin && e.Detail.Contains($"\"{connection}\"", StringComparison.Ordinal);
        }
        var client = RawHttpClient.RunAsync(
            lab,
            kestrel.Endpoint,
            new RawHttpOptions
            {
                Name = $"probe[{path}]",
                Path = path,
                Read = ReadMode.Stall,
                ResumeWhen = Trigger.On(IsFin, "Kestrel sends its FIN on this connection"),
                Deadline = ProbeDeadline,
            },
            cancellationToken);
        var fin = Timeline.WaitForAsync(IsFin, ProbeDeadline, $"Kestrel's FIN on the connection of {path}", cancellationToken);
        return new Probe(client, fin);
    }

    /// <summary>
    /// Waits until the lab's clock reads <paramref name="atMs"/>. Only for moments that are the experiment itself
    /// (where a request falls relative to Kestrel's heartbeat), never to let something happen.
    /// </summary>
    private async Task DelayUntilAsync(double atMs, CancellationToken cancellationToken)
    {
        var rest = atMs - Timeline.Now.TotalMilliseconds;
        if (rest > 0) await Task.Delay(TimeSpan.FromMilliseconds(rest), cancellationToken);
    }

    private static string? ConnectionOf(IEnumerable<LabEvent> events, string path) =>
        events.Where(e => e.Kind == EventKind.RequestReceived && e.Detail.Contains($" {path} ", StringComparison.Ordinal)).Select(e => ConnectionId(e.Detail)).LastOrDefault();

    private static string? ConnectionId(string detail) => ConnectionIdPattern().Match(detail) is { Success: true } m ? m.Groups[1].Value : null;

    private static string Describe(TimedResponse r) => r.Status is { } s ? $"HTTP {s}" : r.Problem ?? "no response";

    private static string Ms(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\(connection ([^,\s]+),")]
    private static partial Regex ConnectionIdPattern();

    /// <summary>A probe's client (done once it has read the EOF) and Kestrel's FIN for its connection.</summary>
    private sealed record Probe(Task<RawHttpResult> Client, Task<LabEvent> Fin)
    {
        /// <summary>Waits for both to end, whatever the outcome: no task outlives the trial (every wait in them is bounded).</summary>
        public async Task SettleAsync()
        {
            try
            {
                await Client;
            }
            catch (Exception)
            {
                // The trial reports what mattered (the FIN); the client's own end is not a result.
            }
            try
            {
                await Fin;
            }
            catch (Exception)
            {
            }
        }
    }
}

/// <summary>The race mode could not be set up (the lab misbehaved before the first trial).</summary>
internal sealed class RaceSetupException(string message) : Exception(message);

/// <summary>Where Kestrel served request B.</summary>
public enum BServed
{
    /// <summary>Kestrel never saw B (a POST that hit the race: nginx did not retry it).</summary>
    NotServed,

    /// <summary>On A's connection: B arrived before Kestrel's close tick, and reset its idle timer.</summary>
    PooledConnection,

    /// <summary>On a new connection: nginx had seen Kestrel's FIN and dropped the pooled one, or it retried a GET after the race.</summary>
    NewConnection,
}

/// <summary>One timed trial. Times in ms; <see cref="ActualMs"/> is B's send relative to the close tick as it came.</summary>
public sealed record RaceTrial
{
    public int Index { get; init; }

    /// <summary>δ: B's planned send relative to the predicted close tick.</summary>
    public double DeltaMs { get; init; }

    public string Method { get; init; } = "GET";

    /// <summary>nginx logged that the reused upstream connection failed under B.</summary>
    public bool Hit { get; init; }

    /// <summary><see cref="EventKind.ProxyUpstreamClosed"/> (the FIN) or <see cref="EventKind.ProxyUpstreamReset"/> (an RST).</summary>
    public EventKind? HitKind { get; init; }

    /// <summary>nginx's error-log line of the hit.</summary>
    public string? NginxLine { get; init; }

    public int? ClientStatus { get; init; }

    public string? ClientProblem { get; init; }

    /// <summary>The status in nginx's access line for B.</summary>
    public int? ProxyStatus { get; init; }

    /// <summary>The upstream statuses in nginx's access line for B ("502", "200" when nginx retried).</summary>
    public IReadOnlyList<string> UpstreamStatuses { get; init; } = [];

    public BServed Served { get; init; }

    /// <summary>How much later than planned B went out (the thread was not scheduled in time).</summary>
    public double? LateMs { get; init; }

    /// <summary>The close tick as it came (the earlier of P1's FIN and the pooled connection's) minus the predicted one.</summary>
    public double? PredictionErrorMs { get; init; }

    /// <summary>B's send minus the close tick as it came (see <see cref="PredictionErrorMs"/>).</summary>
    public double? ActualMs { get; init; }

    public string? Error { get; init; }

    /// <summary>A GET hit that nginx retried on a new connection: the client got 200, the access line says "502, 200".</summary>
    public bool RetriedGet => Hit && Method == "GET" && ClientStatus == 200 && UpstreamStatuses.SequenceEqual(["502", "200"]);

    /// <summary>A POST hit that reached the client as 502 Bad Gateway.</summary>
    public bool Post502 => Hit && Method == "POST" && ClientStatus == 502;
}

/// <summary>The control: requests through nginx at a fixed spacing, with no regard for the heartbeat.</summary>
public sealed record RaceControl(int Requests, double SpacingMs, int Hits, int Status502, string? Error);

/// <summary>A run of the race mode.</summary>
public sealed record RaceResult(int TrialsAsked, IReadOnlyList<RaceTrial> Trials, RaceControl? Control, double PeriodMs, string? Stopped)
{
    public IReadOnlyList<RaceTrial> Completed => [.. Trials.Where(t => t.Error is null)];

    public int Errors => Trials.Count(t => t.Error is not null) + (Control?.Error is null ? 0 : 1);

    public bool Failed => Errors > 0 || Stopped is not null;
}
