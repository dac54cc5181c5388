using System.Globalization;
using BrokenPipe.Lab.Capture;
using BrokenPipe.Lab.Explain;

namespace BrokenPipe.Scenarios.Cli;

/// <summary>
/// <c>explain "TEXT"</c>, <c>explain --log FILE</c>, <c>explain --pcap FILE</c>: the scenarios whose runs produce that
/// error message, log or packet pattern, ranked, each with its one-line why and fix and the command that reproduces it.
/// Exit code 0 when something matched, 1 for "no match", 2 for unusable input.
/// </summary>
public sealed class ExplainCommand(TextWriter stdout, IReadOnlyList<Scenario> catalog)
{
    /// <summary>How many scenarios a match lists at most.</summary>
    public const int Shown = 5;

    /// <summary>Runs <c>explain</c> with its arguments (after the word <c>explain</c>).</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        if (args.Count == 0) throw new CliException("explain needs the error text, --log FILE or --pcap FILE");
        if (args[0] == "--pcap") return await PcapAsync(args, cancellationToken);
        string text;
        if (args[0] == "--log")
        {
            if (args.Count != 2) throw new CliException("explain --log needs exactly one FILE");
            if (!File.Exists(args[1])) throw new CliException($"no such file: {args[1]}");
            text = await File.ReadAllTextAsync(args[1], cancellationToken);
        }
        else
        {
            if (args[0].StartsWith("--", StringComparison.Ordinal)) throw new CliException($"unknown option '{args[0]}' for explain (use \"TEXT\", --log FILE or --pcap FILE)");
            text = string.Join(' ', args);
        }
        return Print(Explainer.Explain(text, catalog));
    }

    private int Print(IReadOnlyList<Explanation> ranked)
    {
        if (ranked.Count == 0)
        {
            stdout.WriteLine("no match: no scenario of the catalog produces this text (try the exact error line, or 'list' to browse)");
            return 1;
        }
        var rank = 0;
        foreach (var x in ranked.Take(Shown))
        {
            stdout.WriteLine($"{++rank}. {x.Scenario.Id} — {x.Scenario.Title}");
            stdout.WriteLine($"   matched:   {string.Join("; ", x.Matched)}");
            stdout.WriteLine($"   why:       {x.Why}");
            stdout.WriteLine($"   fix:       {x.Fix}");
            stdout.WriteLine($"   reproduce: {x.Reproduce}");
        }
        if (ranked.Count > Shown) stdout.WriteLine($"({ranked.Count - Shown} more match less well)");
        return 0;
    }

    private async Task<int> PcapAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        if (args.Count != 2) throw new CliException("explain --pcap needs exactly one FILE");
        if (!File.Exists(args[1])) throw new CliException($"no such file: {args[1]}");
        IReadOnlyList<WireFrame> frames;
        try
        {
            frames = await PacketCapture.ReadAsync(args[1], cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or Lab.Runtimes.RuntimeMissingException)
        {
            throw new CliException(e.Message.Split('\n')[0]);
        }
        var conversations = WireAnalysis.Conversations(frames);
        var start = frames.Count > 0 ? frames[0].Epoch : 0;
        stdout.WriteLine($"{args[1]}: {frames.Count} TCP frames, {conversations.Count} connection{(conversations.Count == 1 ? "" : "s")} (the client is the end that sent the SYN)");
        foreach (var line in WireReport.Lines(conversations, (c, endpoint) => c.Role(endpoint), f => string.Create(CultureInfo.InvariantCulture, $"{f.Epoch - start:0.000} s"))) stdout.WriteLine(line);
        var symptoms = WireReport.Symptoms(conversations);
        if (symptoms.Length == 0)
        {
            stdout.WriteLine("no match: every connection closed cleanly (or stayed open); nothing in it looks like a broken pipe, a reset or a drop");
            return 1;
        }
        stdout.WriteLine($"this looks like: {symptoms}");
        stdout.WriteLine();
        return Print(Explainer.Explain(symptoms, catalog));
    }
}
