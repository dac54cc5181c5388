using BrokenPipe.Lab.Protocols;

namespace SeRedis.Observer;

/// <summary>The observer's half of the line protocol (lab/Protocols/ObserverProtocol.cs): one message per line on stdout, written whole.</summary>
internal static class Wire
{
    private static readonly Lock Gate = new();
    private static readonly TextWriter Out = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };

    public static void Send(ObserverMessage message)
    {
        var text = ObserverJson.Write(message);
        lock (Gate) Out.WriteLine(text);
    }

    /// <summary>An exception chain, outermost first.</summary>
    public static List<ObserverException> Chain(Exception? exception)
    {
        var chain = new List<ObserverException>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            chain.Add(new ObserverException(
                e.GetType().Name,
                e.Message,
                (e as StackExchange.Redis.RedisConnectionException)?.FailureType.ToString(),
                (e as System.Net.Sockets.SocketException)?.NativeErrorCode));
        }
        return chain;
    }
}
