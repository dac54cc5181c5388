using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Explain;

/// <summary>One scenario that matches a text: how well, on what evidence, and what to tell the person.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Score">Higher is closer: a verbatim fragment counts most, then each failure kind, then words of the scenario's id.</param>
/// <param name="Matched">The signatures (and id words) the text matched, for the person to see why.</param>
internal sealed record Explanation(Scenario Scenario, double Score, IReadOnlyList<string> Matched)
{
    /// <summary>The first sentence of the story's why.</summary>
    public string Why => FirstSentence(Scenario.Story.Why);

    /// <summary>The first sentence of the story's fix.</summary>
    public string Fix => FirstSentence(Scenario.Story.Fix);

    /// <summary>The command that reproduces it.</summary>
    public string Reproduce => $"{Runtimes.LabCommand.Prefix} run {Scenario.Id}";

    private static string FirstSentence(string text)
    {
        for (var i = 0; i < text.Length - 1; i++)
        {
            if (text[i] is '.' or ':' && text[i + 1] == ' ' && i > 20) return text[..(i + 1)].TrimEnd(':') + (text[i] == ':' ? "…" : "");
        }
        return text;
    }
}
