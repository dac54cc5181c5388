using System.Diagnostics;
using BrokenPipe.Lab.Protocols;

namespace SeRedis.Observer;

/// <summary>One command the lab asked for: its request id, its number in this observer, the command, the call mode, and its clock (started now).</summary>
internal sealed record CommandCall(int Id, int N, string Command, ObserverCallMode Mode)
{
    public Stopwatch Clock { get; } = Stopwatch.StartNew();
}
