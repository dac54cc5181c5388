using BrokenPipe.Lab.Protocols;

namespace SeRedis.Observer;

/// <summary>
/// An application that uses one StackExchange.Redis version, steered by the lab over stdin and reporting over
/// stdout, one JSON object per line. It ends when its stdin closes, so it never outlives the lab that started it.
/// </summary>
internal static class Program
{
    public static int Main()
    {
        var observer = new Observer();
        Wire.Send(new ObserverMessage(ObserverEvent.Ready) { Version = Observer.Version });
        // A dedicated thread reads the lab's requests: the thread pool may be starved on purpose.
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            if (line.Length == 0) continue;
            try
            {
                observer.Handle(ObserverJson.Read<ObserverRequest>(line)!);
            }
            catch (Exception e)
            {
                Wire.Send(new ObserverMessage(ObserverEvent.Fatal) { Message = $"{e.GetType().Name}: {e.Message}" });
            }
        }
        // The lab closed stdin (or died): close the multiplexer, but give it at most 2 s, then leave whatever still runs.
        var stop = new Thread(observer.Stop) { IsBackground = true };
        stop.Start();
        stop.Join(TimeSpan.FromSeconds(2));
        Environment.Exit(0);
        return 0;
    }
}
