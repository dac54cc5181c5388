using System.Text.RegularExpressions;
using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Explain;

/// <summary>
/// Matches an error message, a log or a stack trace against what the catalog's runs really produce
/// (<see cref="Scenario.Produces"/>) and ranks the scenarios: a verbatim fragment weighs most (longer is more
/// specific), then each failure kind the text names in any language (<see cref="FailureAliases"/>), then words of the
/// scenario's id ("redis", "ingress"). Ties go to the scenario whose signatures the text covers best.
/// </summary>
internal static partial class Explainer
{
    /// <summary>The matching scenarios, best first; empty when nothing matches.</summary>
    public static IReadOnlyList<Explanation> Explain(string text, IEnumerable<Scenario> catalog)
    {
        var flat = Spaces().Replace(text, " ");
        var failures = FailureAliases.Find(flat);
        var ranked = new List<(Explanation Explanation, double Coverage, int Order)>();
        var order = 0;
        foreach (var s in catalog)
        {
            order++;
            if (s.Produces.Count == 0) continue;
            var score = 0.0;
            var matched = new List<string>();
            var hits = 0;
            var kinds = new HashSet<SocketFailure>();
            // A line of another proxy's runs (HAProxy's, for a text from nginx) that the text does not hold does not lower the coverage.
            var otherProxyLines = s.Produces.Count(p => p.Proxy is not null);
            foreach (var sig in s.Produces)
            {
                if (sig.Text is { } t && flat.Contains(Spaces().Replace(t, " "), StringComparison.OrdinalIgnoreCase))
                {
                    score += 10 + t.Length / 20.0;
                    matched.Add(sig.ToString());
                    hits++;
                    if (sig.Proxy is not null) otherProxyLines--;
                }
                else if (sig.Failure is { } f && failures.Any(a => a.Failure == f && (sig.Errno is null || a.Errno is null || a.Errno == sig.Errno)))
                {
                    if (kinds.Add(f)) score += 3;
                    matched.Add(sig.ToString());
                    hits++;
                }
            }
            if (score == 0) continue;
            foreach (var word in s.Id.Split('-').Where(w => w.Length >= 4).Distinct())
            {
                if (!Regex.IsMatch(flat, $@"\b{Regex.Escape(word)}", RegexOptions.IgnoreCase)) continue;
                score += 1;
                matched.Add($"mentions '{word}'");
            }
            ranked.Add((new Explanation(s, score, matched), hits / (double)(s.Produces.Count - otherProxyLines), order));
        }
        return [.. ranked.OrderByDescending(r => r.Explanation.Score).ThenByDescending(r => r.Coverage).ThenBy(r => r.Order).Select(r => r.Explanation)];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
