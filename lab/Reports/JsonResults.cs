using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BrokenPipe.Lab.Scenarios;

namespace BrokenPipe.Lab.Reports;

/// <summary>One run read back from a results file: its JSON object as written, and the result rebuilt from it.</summary>
internal sealed record JsonRun(JsonObject Json, ScenarioResult Result)
{
    /// <summary>The keys that say which run this is (the others say how it went); a key a writer did not set is left out.</summary>
    private static readonly string[] IdentityKeys = ["id", "variant", "upstream", "proxy", "redisClients", "runtime"];

    /// <summary>What makes two runs the same run: its id, variant and whatever else of <see cref="IdentityKeys"/> it names.</summary>
    public string Key => string.Join(" ", IdentityKeys.Where(k => Json[k] is JsonValue).Select(k => Json[k]!.ToJsonString()));
}

/// <summary>
/// Reads the JSON of <see cref="JsonReport"/> back (an object or an array of them), for <c>merge</c>: each run keeps its
/// JSON as written, so merged files hold the same runs byte for byte, and gets a <see cref="ScenarioResult"/> for the
/// table and the HTML report. What the contract does not carry (event fields beyond its keys, the capture) is not
/// rebuilt; an event's actor comes back from its <c>[actor]</c> prefix.
/// </summary>
internal static class JsonResults
{
    /// <summary>The runs of one results file's text; <paramref name="source"/> names it in errors (<see cref="FormatException"/>).</summary>
    public static IReadOnlyList<JsonRun> Read(string text, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source} is not JSON ({e.Message})");
        }
        IEnumerable<JsonNode?> runs = root switch
        {
            JsonObject one => [one],
            JsonArray many => many,
            _ => throw new FormatException($"{source} holds no run (a results file is a run object or an array of them)"),
        };
        return [.. runs.Select((node, i) => ReadRun(node as JsonObject ?? throw new FormatException($"{source}: item {i + 1} is not a run object"), $"{source}: run {i + 1}"))];
    }

    private static JsonRun ReadRun(JsonObject run, string where)
    {
        var id = Text(run, "id", where);
        var variant = Text(run, "variant", where) switch
        {
            "broken" => Variant.Broken,
            "fixed" => Variant.Fixed,
            var v => throw new FormatException($"{where}: unknown variant '{v}'"),
        };
        var outcome = Text(run, "outcome", where) switch
        {
            "met" => Outcome.Met,
            "not-met" => Outcome.NotMet,
            "error" => Outcome.Error,
            var o => throw new FormatException($"{where}: unknown outcome '{o}'"),
        };
        var events = (run["events"] as JsonArray ?? throw new FormatException($"{where}: no events array")).Select(e => Event(e as JsonObject, where)).ToList();
        var checks = (run["checks"] as JsonArray ?? []).OfType<JsonObject>().Select(c => new CheckResult((string?)c["description"] ?? "", (bool?)c["met"] == true)).ToList();
        var result = new ScenarioResult(
            id,
            variant,
            (string?)run["expected"] ?? "",
            outcome,
            TimeSpan.FromMilliseconds((double?)run["durationMs"] ?? 0),
            TimeSpan.Zero,
            First(run["firstDisconnect"] as JsonObject, where),
            events,
            checks,
            (string?)run["error"])
        {
            // Whether --upstream chose it is not in the JSON: a merged table names the run by its id, its upstream beside it.
            Upstream = (string?)run["upstream"],
        };
        return new JsonRun(run, result);
    }

    private static FirstDisconnect? First(JsonObject? first, string where) => first is null
        ? null
        : new FirstDisconnect(ParseSide((string?)first["side"], where), TimeSpan.FromMilliseconds((double?)first["atMs"] ?? 0), (string?)first["how"] ?? "", null);

    private static LabEvent Event(JsonObject? e, string where)
    {
        if (e is null) throw new FormatException($"{where}: an event is not an object");
        var kindName = Text(e, "kind", where);
        var kind = Enum.GetValues<EventKind>().FirstOrDefault(k => TimelineFormat.KindName(k) == kindName, (EventKind)(-1));
        if ((int)kind == -1) throw new FormatException($"{where}: unknown event kind '{kindName}'");
        var failureName = (string?)e["failure"];
        SocketFailure? failure = failureName is null
            ? null
            : Enum.GetValues<SocketFailure>().Cast<SocketFailure?>().FirstOrDefault(f => SocketFailures.Name(f!.Value) == failureName)
              ?? throw new FormatException($"{where}: unknown failure '{failureName}'");
        var detail = (string?)e["detail"] ?? "";
        string? actor = null;
        if (detail.StartsWith('[') && detail.IndexOf("] ", StringComparison.Ordinal) is > 1 and var end)
        {
            actor = detail[1..end];
            detail = detail[(end + 2)..];
        }
        return new LabEvent(TimeSpan.FromMilliseconds((double?)e["atMs"] ?? 0), ParseSide((string?)e["side"], where), kind, failure, (int?)e["errno"], detail)
        {
            Actor = actor,
        };
    }

    private static Side ParseSide(string? name, string where) =>
        Enum.GetValues<Side>().FirstOrDefault(s => TimelineFormat.SideName(s) == name, (Side)(-1)) is var side && (int)side != -1
            ? side
            : throw new FormatException($"{where}: unknown side '{name}'");

    private static string Text(JsonObject o, string key, string where) =>
        o[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"{where}: no \"{key}\""));
}
