using System.Diagnostics;

namespace BrokenPipe.Lab.Scenarios;

/// <summary>Runs one variant in a fresh <see cref="LabSandbox"/>, bounded by the scenario's timeout, and checks the timeline.</summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(
        Scenario scenario,
        Variant variant,
        Action<LabEvent>? onEvent = null,
        LabSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        settings ??= LabSettings.Default;
        var proxy = scenario.Proxy is null ? null : settings.Proxy;
        var v = scenario.On(settings.Proxy, variant);
        var clock = Stopwatch.StartNew();
        // A proxy the scenario cannot take is said, never replaced by another.
        string? error = v is null ? $"{scenario.Id} does not run on {proxy} (it runs on {string.Join(", ", scenario.Proxies)})" : null;
        v ??= scenario[variant];
        Capture.PacketCapture? capture = null;
        TimeSpan? stoppedAt = null;
        // A run on another proxy than the scenario's own is named after it (its dir, its capture).
        var name = $"{scenario.Id}-{variant.ToString().ToLowerInvariant()}{(proxy is null || proxy == scenario.Proxy ? "" : $"-{proxy}")}";
        var lab = new LabSandbox(name) { Settings = settings };
        if (onEvent is not null) lab.Timeline.Recorded += onEvent;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(scenario.Timeout);
        try
        {
            // Nothing is started for a scenario this machine cannot run: the reason is the run's error.
            if (error is null && scenario.UnavailableWith(lab.Settings) is { } reason) error = $"not run here: {reason}";
            if (error is null)
            {
                // Owned first, so it is stopped last: it sees every part's final FIN or RST.
                if (lab.Settings.CaptureDirectory is { } dir)
                {
                    capture = lab.Own(await Capture.PacketCapture.StartAsync(lab, Path.Combine(dir, $"{name}.pcap"), bound.Token).ConfigureAwait(false), "tcpdump");
                }
                await v.RunAsync(lab, bound.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            error = $"the run did not finish within {scenario.Timeout.TotalSeconds:0} s";
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            error = e is TimelineTimeoutException t ? t.Message.Split(Environment.NewLine)[0] : SocketFailures.Describe(e);
        }
        finally
        {
            // Parts are stopped before the checks run, so their last events (a final close) are on the timeline too.
            stoppedAt = lab.Timeline.Now;
            await lab.DisposeAsync().ConfigureAwait(false);
        }
        if (error is not null) lab.Timeline.Record(new LabEvent(Side.Lab, EventKind.Note, $"run error: {error}"));
        var events = lab.Timeline.Snapshot();
        var checks = v.Checks.Select(c => new CheckResult(c.Description, Holds(c, events))).ToList();
        var outcome = error is not null ? Outcome.Error : checks.All(c => c.Met) ? Outcome.Met : Outcome.NotMet;
        return new ScenarioResult(
            scenario.Id,
            variant,
            v.Expected,
            outcome,
            clock.Elapsed,
            v.InherentWait,
            FirstDisconnect.Find(events),
            events,
            checks,
            error)
        {
            Capture = capture?.Summary,
            Upstream = scenario.Upstream ?? scenario.OwnUpstream,
            UpstreamChosen = scenario.Upstream is not null,
            Proxy = proxy,
            StoppedAt = stoppedAt,
        };
    }

    private static bool Holds(Check check, IReadOnlyList<LabEvent> events)
    {
        try
        {
            return check.Holds(events);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
