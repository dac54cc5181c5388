namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// Follows a log file a server writes (nginx's error and access logs, Redis's log) and hands each new complete line
/// to a callback, within ~10 ms of its being written. Dispose reads what is left, then stops.
/// </summary>
public sealed class LogTail : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private readonly string _path;
    private readonly Action<string> _onLine;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private long _position;
    private string _partial = "";

    public LogTail(string path, Action<string> onLine)
    {
        _path = path;
        _onLine = onLine;
        _loop = Task.Run(LoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        ReadNew();
        _stop.Dispose();
    }

    /// <summary>Reads what has been written since the last read (also called by the poll loop).</summary>
    public void ReadNew()
    {
        lock (_gate)
        {
            if (!File.Exists(_path)) return;
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < _position) _position = 0; // rotated or truncated
            if (stream.Length == _position) return;
            stream.Seek(_position, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = _partial + reader.ReadToEnd();
            _position = stream.Length;
            var lines = text.Split('\n');
            _partial = lines[^1];
            foreach (var line in lines[..^1])
            {
                if (line.Length > 0) _onLine(line.TrimEnd('\r'));
            }
        }
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            ReadNew();
        }
    }
}
