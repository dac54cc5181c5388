using System.Globalization;
using System.Runtime.CompilerServices;

namespace BrokenPipe.Lab;

/// <summary>
/// The one check of an options record, made once when its part or client starts (never on each use): each rule names
/// the option and the value it was given, and every problem found is reported at once, in one
/// <see cref="ArgumentException"/> ("RawTcpServerOptions: ChunkBytes must be at least 1 (was 0)").
/// </summary>
internal sealed class OptionRules(string record)
{
    private readonly List<string> _problems = [];

    public OptionRules AtLeast(long value, long least, [CallerArgumentExpression(nameof(value))] string option = "") =>
        Require(value >= least, option, $"must be at least {least}", value.ToString(CultureInfo.InvariantCulture));

    public OptionRules AtLeast(double value, double least, [CallerArgumentExpression(nameof(value))] string option = "") =>
        Require(value >= least, option, $"must be at least {least.ToString(CultureInfo.InvariantCulture)}", value.ToString(CultureInfo.InvariantCulture));

    public OptionRules Positive(double value, [CallerArgumentExpression(nameof(value))] string option = "") =>
        Require(value > 0 && double.IsFinite(value), option, "must be a positive number", value.ToString(CultureInfo.InvariantCulture));

    /// <summary>A length of time, zero allowed.</summary>
    public OptionRules NotNegative(TimeSpan value, [CallerArgumentExpression(nameof(value))] string option = "") =>
        Require(value >= TimeSpan.Zero, option, "must not be negative", value.ToString());

    /// <summary>A bound or a timeout: more than zero.</summary>
    public OptionRules Positive(TimeSpan value, [CallerArgumentExpression(nameof(value))] string option = "") =>
        Require(value > TimeSpan.Zero, option, "must be more than zero", value.ToString());

    public OptionRules NotBlank(string? value, [CallerArgumentExpression(nameof(value))] string option = "") =>
        Require(!string.IsNullOrWhiteSpace(value), option, "must not be empty", value is null ? "null" : $"\"{value}\"");

    /// <summary>A file the part reads, when one is given.</summary>
    public OptionRules FileOrNull(string? path, [CallerArgumentExpression(nameof(path))] string option = "") =>
        Require(path is null || File.Exists(path), option, "names no file", path ?? "");

    /// <summary>A rule of the record's own (two options that must agree): <paramref name="problem"/> is said when <paramref name="holds"/> is false.</summary>
    public OptionRules That(bool holds, string problem)
    {
        if (!holds) _problems.Add(problem);
        return this;
    }

    public void ThrowIfAny()
    {
        if (_problems.Count > 0) throw new ArgumentException($"{record}: {string.Join("; ", _problems)}");
    }

    private OptionRules Require(bool holds, string option, string rule, string was)
    {
        if (!holds) _problems.Add($"{Name(option)} {rule} (was {was})");
        return this;
    }

    /// <summary>The option's name in the expression that read it: "MinResponseDataRate.BytesPerSecond" of "MinResponseDataRate?.BytesPerSecond ?? 1".</summary>
    private static string Name(string expression)
    {
        var fallback = expression.IndexOf(" ??", StringComparison.Ordinal);
        return (fallback < 0 ? expression : expression[..fallback]).Replace("!", "", StringComparison.Ordinal).Replace("?", "", StringComparison.Ordinal);
    }
}
