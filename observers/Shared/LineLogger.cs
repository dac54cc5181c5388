#if !SEREDIS1
using BrokenPipe.Lab.Protocols;
using Microsoft.Extensions.Logging;

namespace SeRedis.Observer;

/// <summary>The library's own ILogger (2.7.4+): every line goes to the lab, where the dead-socket warning lives.</summary>
internal sealed class LineLogger : ILogger, ILoggerFactory, ILoggerProvider
{
    // The Logging.Abstractions versions the library versions pull differ in BeginScope's nullability.
#pragma warning disable CS8633, CS8766, CS8767
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;
#pragma warning restore CS8633, CS8766, CS8767

    /// <summary>Set once connected: the connect log's Information lines (some forty) stay out of the timeline; warnings always go.</summary>
    public volatile bool Connected;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= (Connected ? LogLevel.Information : LogLevel.Warning);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        Wire.Send(new ObserverMessage(ObserverEvent.Log) { Level = logLevel.ToString(), Message = formatter(state, exception), Exceptions = Wire.Chain(exception) });
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
#endif
