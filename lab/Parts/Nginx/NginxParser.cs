namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// nginx's own tokenizer rules, enough to find directives and their blocks: words, quoted strings, <c>${var}</c>,
/// '#' comments (only where a word starts), ';', '{' and '}'. Pure logic: no nginx needed.
/// </summary>
internal static class NginxParser
{
    /// <summary>Every directive of <paramref name="text"/>, in order, each with its enclosing block.</summary>
    public static IReadOnlyList<NginxStatement> Parse(string text)
    {
        var statements = new List<NginxStatement>();
        var open = new Stack<int>();
        var words = new List<string>();
        var start = -1;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c == '#')
            {
                while (i < text.Length && text[i] != '\n') i++;
                continue;
            }
            if (c is ';' or '{')
            {
                var parent = open.Count > 0 ? open.Peek() : -1;
                statements.Add(new NginxStatement([.. words], start < 0 ? i : start, i + 1, c == '{', parent));
                if (c == '{') open.Push(statements.Count - 1);
                words.Clear();
                start = -1;
                i++;
                continue;
            }
            if (c == '}')
            {
                if (open.Count > 0)
                {
                    var closed = statements[open.Pop()];
                    closed.BlockEnd = i + 1;
                    closed.Closed = true;
                }
                words.Clear();
                start = -1;
                i++;
                continue;
            }
            if (start < 0) start = i;
            if (c is '"' or '\'')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < text.Length && text[i] != c)
                {
                    if (text[i] == '\\' && i + 1 < text.Length) i++;
                    sb.Append(text[i++]);
                }
                i++;
                words.Add(sb.ToString());
                continue;
            }
            var begin = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not (';' or '{' or '}'))
            {
                if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
                {
                    while (i < text.Length && text[i] != '}') i++;
                }
                i++;
            }
            words.Add(text[begin..Math.Min(i, text.Length)]);
        }
        foreach (var unclosed in open) statements[unclosed].BlockEnd = text.Length;
        return statements;
    }

    /// <summary>The names of the blocks around statement <paramref name="index"/>, outermost first ("http", "server", …).</summary>
    public static IReadOnlyList<string> Context(IReadOnlyList<NginxStatement> statements, int index)
    {
        var names = new List<string>();
        for (var p = statements[index].Parent; p >= 0; p = statements[p].Parent) names.Insert(0, statements[p].Name);
        return names;
    }
}
