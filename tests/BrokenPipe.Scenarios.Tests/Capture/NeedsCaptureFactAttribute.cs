using BrokenPipe.Lab.Capture;

namespace BrokenPipe.Scenarios.Tests.Capture;

/// <summary>A fact that captures packets (tcpdump, root): skipped, with the reason, where this process cannot.</summary>
public sealed class NeedsCaptureFactAttribute : FactAttribute
{
    public NeedsCaptureFactAttribute()
    {
        if (PacketCapture.Unavailable is { } reason) Skip = reason;
        else if (Lab.Parts.Middlebox.PacketDropMiddlebox.Unavailable is { } drop) Skip = drop;
    }
}
