using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BrokenPipe.Lab.Parts.Kestrel;

/// <summary>
/// An in-process ASP.NET Core app on 127.0.0.1:0 whose handler the scenario supplies. It records every request,
/// the moment <c>RequestAborted</c> fires, the handler's writes, and Kestrel's own connection events.
/// </summary>
public sealed class KestrelServer : IPart, IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Timeline _timeline;
    private readonly string _name;

    private KestrelServer(WebApplication app, Timeline timeline, string name, IPEndPoint endpoint, TimeSpan startup)
    {
        _app = app;
        _timeline = timeline;
        _name = name;
        Endpoint = endpoint;
        StartupTime = startup;
    }

    public IPEndPoint Endpoint { get; }

    /// <inheritdoc/>
    public Uri Url(string pathAndQuery = "/") => new($"http://{Endpoint}{pathAndQuery}");

    public int Port => Endpoint.Port;

    /// <summary>From the call to start until the port accepts.</summary>
    public TimeSpan StartupTime { get; }

    public static async Task<KestrelServer> StartAsync(
        LabSandbox lab,
        Func<KestrelExchange, Task> handler,
        KestrelOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new KestrelOptions();
        options.Validate();
        var clock = Stopwatch.StartNew();
        var timeline = lab.Timeline;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = lab.Directory });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.AddServerHeader = false;
            k.Limits.KeepAliveTimeout = options.KeepAliveTimeout;
            k.Limits.MinResponseDataRate = Rate(options.MinResponseDataRate);
            k.Limits.MinRequestBodyDataRate = Rate(options.MinRequestBodyDataRate);
            k.Limits.MaxRequestBodySize = options.MaxRequestBodySize;
            k.Limits.MaxResponseBufferSize = options.MaxResponseBufferSize;
        });
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        var watch = new ConnectionWatch();
        IPEndPoint? bound = null;
        // Who is at the other end of Kestrel's connections (a proxy in front of it, or a client), once the port is known.
        builder.Logging.AddProvider(new KestrelLogProvider(timeline, options.Name, watch, () => bound is null ? Side.Client : lab.SideConnectingTo(bound)));

        var app = builder.Build();
        var requests = 0;
        app.Run(context => HandleAsync(context, handler, timeline, watch, $"{options.Name}#{Interlocked.Increment(ref requests)}"));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var endpoint = new IPEndPoint(IPAddress.Loopback, new Uri(address).Port);
        bound = endpoint;
        lab.RegisterListener(endpoint, Side.Server);
        var server = new KestrelServer(app, timeline, options.Name, endpoint, clock.Elapsed);
        lab.Own(server, options.Name);
        timeline.Record(new LabEvent(Side.Lab, EventKind.PartStarted, $"Kestrel on {endpoint}, ready in {clock.Elapsed.TotalMilliseconds:0.0} ms") { Actor = options.Name });
        return server;
    }

    private static Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate? Rate(DataRate? rate) =>
        rate is null ? null : new(rate.BytesPerSecond, rate.Grace);

    public async ValueTask DisposeAsync()
    {
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Connections still open after the bound are aborted by the dispose below.
            }
        }
        await _app.DisposeAsync().ConfigureAwait(false);
        _timeline.Record(new LabEvent(Side.Lab, EventKind.PartStopped, "Kestrel stopped") { Actor = _name });
    }

    private static async Task HandleAsync(HttpContext context, Func<KestrelExchange, Task> handler, Timeline timeline, ConnectionWatch watch, string actor)
    {
        var connection = context.Connection.Id;
        var exchange = new KestrelExchange(context, timeline, actor, () => watch.IsGone(connection), () => watch.ServerAbortReason(connection));
        timeline.Record(new LabEvent(Side.Server, EventKind.RequestReceived, $"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} (connection {context.Connection.Id}, Content-Length {context.Request.ContentLength?.ToString() ?? "none"})") { Actor = actor });
        // Recorded once, by whichever sees it first: the token's callback, or the handler's end finding the token
        // canceled. The callback alone can be lost: when Kestrel cancels the token as the handler ends (returns, or
        // throws because its own registration on the token ran first), the handler's end disposes this registration
        // before its callback's turn has come, and a canceled token's pending callback is then never run.
        var aborted = context.RequestAborted;
        var recorded = 0;
        void RecordAbort()
        {
            if (Interlocked.Exchange(ref recorded, 1) != 0) return;
            // Kestrel logs its own decision (event 28, "aborted by application", "sending RST because …") before it
            // cancels the token, so by now the watch knows whether the server or the client ended the connection.
            var reason = watch.ServerAbortReason(connection);
            var detail = reason is null
                ? "RequestAborted fired: Kestrel saw the client go"
                : $"RequestAborted fired: the server aborted the connection itself ({reason}); the client had not left";
            timeline.Record(new LabEvent(Side.Server, EventKind.RequestAborted, detail) { Actor = actor });
        }
        using var registration = aborted.Register(RecordAbort);
        try
        {
            await handler(exchange).ConfigureAwait(false);
            if (aborted.IsCancellationRequested) RecordAbort();
            timeline.Record(new LabEvent(Side.Server, EventKind.HandlerCompleted, $"handler returned: {exchange.BytesWritten} bytes written, {exchange.BytesAfterClientLeft} of them after the client had gone") { Actor = actor, Bytes = exchange.BytesWritten });
        }
        catch (Exception e)
        {
            if (aborted.IsCancellationRequested) RecordAbort();
            // Rethrown so that Kestrel and Hosting log exactly what they would for a real app (499, 500, …).
            timeline.RecordFailure(Side.Server, EventKind.HandlerFailed, e, actor, "handler threw");
            throw;
        }
    }
}
