namespace BrokenPipe.Lab.Runtimes;

/// <summary>
/// Follows a log file a server writes (nginx's error and access logs, Redis's log) and hands each new complete line
/// to a callback, within ~10 ms of its being written. Dispose reads what is left, then stops.
/// </summary>
internal sealed class LogTail : IAsyncDisposable
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
            var length = stream.Length;
            if (length < _position)
            {
                // Truncated or rotated: start over, and drop the unfinished line of the old file.
                _position = 0;
                _partial = "";
            }
            if (length == _position) return;
            stream.Seek(_position, SeekOrigin.Begin);
            // Read exactly the bytes that were there, so that a line appended meanwhile is read next time, not skipped.
            var bytes = new byte[length - _position];
            stream.ReadExactly(bytes);
            _position = length;
            var text = _partial + System.Text.Encoding.UTF8.GetString(bytes);
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
