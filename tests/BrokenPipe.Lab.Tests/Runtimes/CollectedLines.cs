namespace BrokenPipe.Lab.Tests.Runtimes;

/// <summary>The lines the callback got, and a bounded wait for the n-th.</summary>
internal sealed class CollectedLines
{
    private readonly List<string> _lines = [];
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly Lock _gate = new();

    public void Add(string line)
    {
        lock (_gate)
        {
            _lines.Add(line);
            foreach (var w in _waiters.Where(w => _lines.Count >= w.Count).ToList())
            {
                w.Done.TrySetResult();
                _waiters.Remove(w);
            }
        }
    }

    public string[] Snapshot()
    {
        lock (_gate) return [.. _lines];
    }

    public Task WaitForAsync(int count)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.Count >= count) return Task.CompletedTask;
            _waiters.Add((count, done));
        }
        return done.Task.WaitAsync(Bound.Wait);
    }
}
