using System.Text;
using System.Text.RegularExpressions;

namespace BrokenPipe.Lab.Parts.Nginx;

/// <summary>
/// A user's config with every <c>include</c> inlined (globs expanded in nginx's order), each line remembering the file and
/// line it came from. Inlining lets the lab see and isolate everything the config would run — the machine's
/// <c>sites-enabled/*</c> included — and map nginx's messages about the rendered file back to the user's own lines.
/// A relative include is looked up next to the user's file, then in /etc/nginx; a missing one (not a glob, which may
/// match nothing, as in nginx) is named as the user wrote it.
/// </summary>
internal sealed partial class NginxSource
{
    private const int MaxDepth = 16;
    private readonly string[] _bases;
    private readonly string _root;
    private readonly string _rootDisplay;

    private NginxSource(string path)
    {
        _root = Path.GetFullPath(path);
        _rootDisplay = path;
        _bases = [Path.GetDirectoryName(_root)!, "/etc/nginx"];
    }

    /// <summary>The lines, includes inlined.</summary>
    public IReadOnlyList<NginxSourceLine> Lines { get; private set; } = [];

    /// <summary>The files that were inlined, as nginx would have read them.</summary>
    public IReadOnlyList<string> Included => _included;

    private readonly List<string> _included = [];
    private readonly List<string> _notes = [];

    /// <summary>What was set aside while inlining (a missing certbot options file), one line each.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>The whole text, includes inlined (one line per <see cref="Lines"/> entry).</summary>
    public string Text => string.Join('\n', Lines.Select(l => l.Text));

    /// <summary>Reads <paramref name="path"/> and inlines its includes. Throws <see cref="NginxConfigException"/> for a missing file or include.</summary>
    public static NginxSource Load(string path)
    {
        if (!File.Exists(path)) throw new NginxConfigException($"no config file at {path}");
        if (NotText(path) is { } what) throw new NginxConfigException($"{path} {what}: a config is a text file with at least a server block that has {{{{listen}}}} and {{{{upstream}}}} (see nginx/README.md)");
        var source = new NginxSource(path);
        var lines = new List<NginxSourceLine>();
        source.Expand(source._root, 0, lines);
        source.Lines = lines;
        return source;
    }

    /// <summary>Why <paramref name="path"/> cannot be a config ("is empty", "is not a text file …"), or null when it is text.</summary>
    private static string? NotText(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.All(b => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return bytes.Length == 0 ? "is empty" : "holds only blank space";
        if (Array.IndexOf(bytes, (byte)0) >= 0) return "is not a text file (it holds NUL bytes: binary data)";
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return "is not a text file (its bytes are not UTF-8 or ASCII text)";
        }
        return null;
    }

    /// <summary>The innermost block the text ends inside (an unbalanced '{'), as "location /api/ {" and its file and line; null when every block is closed.</summary>
    public (string Block, string Where)? Unclosed()
    {
        var text = Placeholder().Replace(Text, m => new string('x', m.Length));
        var open = NginxParser.Parse(text).LastOrDefault(s => s.OpensBlock && !s.Closed);
        if (open is null) return null;
        var line = LineAt(text, open.Start);
        return ($"{string.Join(' ', open.Words)} {{", At(line)?.Where ?? $"line {line}");
    }

    /// <summary>The user's own file, as they named it.</summary>
    public string RootDisplay => _rootDisplay;

    /// <summary>Where rendered line <paramref name="line"/> (1-based) came from, or null past the end.</summary>
    public NginxSourceLine? At(int line) => line >= 1 && line <= Lines.Count ? Lines[line - 1] : null;

    private string Display(string file) => file == _root ? _rootDisplay : file;

    private void Expand(string file, int depth, List<NginxSourceLine> output)
    {
        var text = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal);
        // {{placeholders}} would read as blocks: mask them (same length) for the parse only.
        var masked = Placeholder().Replace(text, m => new string('x', m.Length));
        var includes = NginxParser.Parse(masked).Where(s => s.Name == "include" && !s.OpensBlock && s.Words.Count == 2).ToList();
        var display = Display(file);
        var current = new StringBuilder();
        var pos = 0;
        void Emit(int from, int to)
        {
            var line = LineAt(text, from);
            for (var i = from; i < to; i++)
            {
                if (text[i] == '\n')
                {
                    output.Add(new NginxSourceLine(current.ToString(), display, line++));
                    current.Clear();
                }
                else
                {
                    current.Append(text[i]);
                }
            }
        }
        foreach (var include in includes)
        {
            var line = LineAt(text, include.Start);
            var target = text[include.Start..include.End];
            var files = Resolve(include.Words[1], display, line);
            if (depth >= MaxDepth) throw new NginxConfigException($"{display}:{line}: includes nested deeper than {MaxDepth} (a loop?)");
            Emit(pos, include.Start);
            current.Append("# (included by the lab) ").Append(target.Replace('\n', ' '));
            output.Add(new NginxSourceLine(current.ToString(), display, line));
            current.Clear();
            foreach (var f in files)
            {
                _included.Add(f);
                Expand(f, depth + 1, output);
            }
            pos = include.End;
        }
        Emit(pos, text.Length);
        output.Add(new NginxSourceLine(current.ToString(), display, LineAt(text, text.Length)));
    }

    private string[] Resolve(string target, string from, int line)
    {
        var candidates = Path.IsPathRooted(target) ? [target] : _bases.Select(b => Path.Combine(b, target)).ToArray();
        if (target.IndexOfAny(['*', '?', '[']) >= 0)
        {
            foreach (var c in candidates)
            {
                var dir = Path.GetDirectoryName(c)!;
                if (!Directory.Exists(dir)) continue;
                return [.. Directory.GetFiles(dir, Path.GetFileName(c)).Order(StringComparer.Ordinal)];
            }
            return [];
        }
        if (candidates.FirstOrDefault(File.Exists) is { } found) return [found];
        if (target.StartsWith("/etc/letsencrypt/", StringComparison.Ordinal))
        {
            // certbot's TLS options (options-ssl-nginx.conf): only TLS tuning, and the lab brings its own certificate.
            _notes.Add($"set aside: include {target} ({from}:{line}): certbot's TLS options, not on this machine");
            return [];
        }
        throw new NginxConfigException($"{from}:{line}: include \"{target}\" not found (looked for {string.Join(" and ", candidates)})");
    }

    private static int LineAt(string text, int offset)
    {
        var line = 1;
        for (var i = 0; i < offset && i < text.Length; i++) if (text[i] == '\n') line++;
        return line;
    }

    [GeneratedRegex(@"\{\{[^}]*\}\}")]
    private static partial Regex Placeholder();
}
