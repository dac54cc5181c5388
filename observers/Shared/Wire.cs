using System.Text.Json.Nodes;

namespace SeRedis.Observer;

/// <summary>The observer's half of the line protocol: one JSON object per line on stdout, written whole.</summary>
internal static class Wire
{
    private static readonly Lock Gate = new();
    private static readonly TextWriter Out = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };

    public static void Send(JsonObject message)
    {
        var text = message.ToJsonString();
        lock (Gate) Out.WriteLine(text);
    }

    /// <summary>An exception chain as [{t, m, ft?, errno?}], outermost first.</summary>
    public static JsonArray Chain(Exception? exception)
    {
        var chain = new JsonArray();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var link = new JsonObject { ["t"] = e.GetType().Name, ["m"] = e.Message };
            if (e is StackExchange.Redis.RedisConnectionException c) link["ft"] = c.FailureType.ToString();
            if (e is System.Net.Sockets.SocketException s) link["errno"] = s.NativeErrorCode;
            chain.Add(link);
        }
        return chain;
    }
}
