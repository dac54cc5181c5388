using BrokenPipe.Lab.Parts.Middlebox;

namespace BrokenPipe.Lab.Tests.Parts.Middlebox;

/// <summary>A fact that needs the packet-drop path (root, Linux): skipped, with the reason, where the process cannot build it.</summary>
public sealed class NeedsRootFactAttribute : FactAttribute
{
    public NeedsRootFactAttribute()
    {
        if (PacketDropMiddlebox.Unavailable is { } reason) Skip = reason;
    }
}
