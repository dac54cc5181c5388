using System.Globalization;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>Durations on the command line: "90s", "1500ms", "2m", or a bare number of seconds.</summary>
public static class Durations
{
    public static TimeSpan Parse(string option, string text)
    {
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || double.IsInfinity(value))
        {
            throw new CliException($"{option} needs a positive duration like 90s, 1500ms or 2m, not '{text}'");
        }
        return TimeSpan.FromSeconds(value * unit);
    }
}
