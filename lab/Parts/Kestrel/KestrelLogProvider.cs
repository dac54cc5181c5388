using Microsoft.Extensions.Logging;

namespace BrokenPipe.Lab.Parts.Kestrel;

/// <summary>Captures Kestrel's connection events (Debug) and Hosting's request summary into the timeline.</summary>
internal sealed class KestrelLogProvider(Timeline timeline, string actor, ConnectionWatch watch, Func<Side> peer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(timeline, actor, categoryName, watch, peer);

    public void Dispose()
    {
    }

    private sealed class Logger(Timeline timeline, string actor, string category, ConnectionWatch watch, Func<Side> peer) : ILogger
    {
        private readonly LogLevel _minimum =
            category.StartsWith(KestrelLogEvents.Kestrel, StringComparison.Ordinal) ? LogLevel.Debug
            : category == KestrelLogEvents.Hosting ? LogLevel.Information
            : LogLevel.Warning;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= _minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            var mapped = KestrelLogEvents.Map(category, eventId.Id, message, exception);
            var verbatim = exception is null ? message : $"{message} {SocketFailures.Describe(exception)}";
            var detail = $"{Level(logLevel)}: {category}[{eventId.Id}] {verbatim}";
            if (mapped is { } m)
            {
                var connectionId = Value(state, "ConnectionId") as string;
                // A FIN or RST Kestrel sends after the peer's FIN or reset, or because a write hit EPIPE/ECONNRESET, answers the peer.
                var reply = (m.Kind is EventKind.KestrelSendingFin or EventKind.KestrelSendingRst) &&
                            ((connectionId is not null && watch.IsGone(connectionId)) || m.Failure is SocketFailure.BrokenPipe or SocketFailure.ConnectionReset);
                // Kestrel's own decision to end the connection: its RequestAborted then does not mean the client left.
                var serverAbort = m.Kind switch
                {
                    EventKind.KestrelMinDataRateAbort => "the client did not read the response at Kestrel's MinResponseDataRate",
                    EventKind.KestrelApplicationAbort => "the application called HttpContext.Abort()",
                    EventKind.KestrelSendingRst when !reply => RstBecause(message),
                    _ => null,
                };
                if (serverAbort is not null && connectionId is not null) watch.MarkAbortedByServer(connectionId, serverAbort);
                if (m.Kind is EventKind.KestrelReceivedFin or EventKind.KestrelReset or EventKind.KestrelSendingRst or EventKind.KestrelCommunicationError &&
                    connectionId is not null && !(m.Kind is EventKind.KestrelSendingRst && !reply))
                {
                    watch.MarkGone(connectionId);
                }
                var observed = m.Kind is EventKind.KestrelReceivedFin or EventKind.KestrelReset ? peer() : (Side?)null;
                timeline.Record(new LabEvent(Side.Server, m.Kind, detail)
                {
                    Failure = m.Failure,
                    Errno = m.Errno,
                    Actor = actor,
                    Verbatim = verbatim,
                    Status = Status(state),
                    Reply = reply,
                    Peer = observed,
                    Closed = m.Kind switch
                    {
                        EventKind.KestrelReceivedFin or EventKind.KestrelSendingFin => CloseHow.Fin,
                        EventKind.KestrelReset or EventKind.KestrelSendingRst => CloseHow.Rst,
                        _ => null,
                    },
                });
            }
            else if (logLevel >= LogLevel.Warning)
            {
                timeline.Record(new LabEvent(Side.Server, EventKind.Note, detail) { Actor = actor, Verbatim = verbatim });
            }
        }

        /// <summary>The reason in "sending RST because: "…"" (Kestrel's abort reason), or a plain sentence when the line has none.</summary>
        private static string RstBecause(string message)
        {
            const string because = "because: ";
            var at = message.IndexOf(because, StringComparison.Ordinal);
            var reason = at < 0 ? "" : message[(at + because.Length)..].Trim().Trim('"').TrimEnd('.');
            return reason.Length == 0 ? "Kestrel reset the connection" : $"Kestrel reset the connection: {reason}";
        }

        private static int? Status<TState>(TState state) => Value(state, "StatusCode") as int?;

        private static object? Value<TState>(TState state, string name)
        {
            if (state is not IReadOnlyList<KeyValuePair<string, object?>> values) return null;
            foreach (var (key, value) in values)
            {
                if (key == name) return value;
            }
            return null;
        }

        private static string Level(LogLevel level) => level switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        };
    }
}
