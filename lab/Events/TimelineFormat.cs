using System.Globalization;
using System.Text;

namespace BrokenPipe.Lab.Events;

/// <summary>The one way an event is written as a line of text: the narration, timeouts and test messages share it.</summary>
public static class TimelineFormat
{
    public static string Line(LabEvent e)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{e.At.TotalMilliseconds,9:F1} ms  {SideName(e.Side),-9} {KindName(e.Kind),-22}");
        if (e.Failure is { } failure)
        {
            sb.Append(' ').Append(SocketFailures.Name(failure));
            if (e.Errno is { } errno) sb.Append(CultureInfo.InvariantCulture, $" ({SocketFailures.ErrnoName(errno)} {errno})");
        }
        if (e.Actor is not null) sb.Append(CultureInfo.InvariantCulture, $"  [{e.Actor}]");
        if (e.Detail.Length > 0) sb.Append("  ").Append(e.Detail);
        return sb.ToString();
    }

    public static string Lines(IEnumerable<LabEvent> events) => string.Join(Environment.NewLine, events.Select(Line));

    public static string SideName(Side side) => side.ToString().ToLowerInvariant();

    /// <summary>kebab-case of the kind: <c>WriteIntoVoid</c> → <c>write-into-void</c>.</summary>
    public static string KindName(EventKind kind)
    {
        var name = kind.ToString();
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('-');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }
}
