using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace BrokenPipe.Lab.Tests.Docs;

/// <summary>
/// Renders the reference part of docs/api.md from the lab's assembly and its XML docs: every public type by namespace,
/// its summary, its verbs and properties with their signatures, the defaults of its options (read from a fresh
/// instance, so they are true by construction) and the values of its enums.
/// </summary>
internal static partial class ApiReference
{
    private static readonly HashSet<string> RecordNoise = ["EqualityContract", "Equals", "GetHashCode", "ToString", "Deconstruct", "<Clone>$", "PrintMembers"];

    public static IReadOnlyList<Type> PublicTypes(Assembly assembly) =>
        [.. assembly.GetExportedTypes().Where(t => !t.IsNested || t.DeclaringType!.IsPublic).OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal)];

    public static string Render(Assembly assembly, XDocument docs)
    {
        var members = docs.Descendants("member").ToDictionary(m => (string)m.Attribute("name")!, m => m);
        var sb = new StringBuilder();
        foreach (var group in PublicTypes(assembly).GroupBy(t => t.Namespace))
        {
            sb.Append("\n### `").Append(group.Key).Append("`\n");
            foreach (var type in group) RenderType(sb, type, members);
        }
        return sb.ToString();
    }

    public static string? Summary(Type type, IReadOnlyDictionary<string, XElement> members) =>
        members.TryGetValue("T:" + Id(type), out var m) ? Text(m.Element("summary")) : null;

    private static void RenderType(StringBuilder sb, Type type, IReadOnlyDictionary<string, XElement> members)
    {
        sb.Append("\n#### ").Append(Name(type)).Append(" <sub>").Append(Kind(type)).Append("</sub>\n\n");
        var summary = Summary(type, members);
        if (summary is not null) sb.Append(summary).Append("\n\n");
        if (type.IsEnum)
        {
            foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                sb.Append("- `").Append(field.Name).Append('`');
                AppendDoc(sb, members, "F:" + Id(type) + "." + field.Name);
                sb.Append('\n');
            }
            return;
        }
        var defaults = Defaults(type);
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var ctor in type.GetConstructors().Where(c => !Hidden(c) && !IsCopyConstructor(c)).OrderBy(c => c.GetParameters().Length))
        {
            sb.Append("- `new ").Append(Name(type)).Append('(').Append(Parameters(ctor)).Append(")`");
            AppendDoc(sb, members, "M:" + Id(type) + ".#ctor" + ParameterIds(ctor));
            sb.Append('\n');
        }
        foreach (var method in type.GetMethods(Declared).Where(m => !m.IsSpecialName && !Hidden(m) && !RecordNoise.Contains(m.Name)).OrderBy(m => !m.IsStatic).ThenBy(m => m.Name, StringComparer.Ordinal))
        {
            sb.Append("- `").Append(method.IsStatic && !type.IsInterface ? "static " : "").Append(method.Name).Append(Generics(method)).Append('(').Append(Parameters(method)).Append(")` → `").Append(Name(method.ReturnType, method.ReturnParameter)).Append('`');
            AppendDoc(sb, members, "M:" + Id(type) + "." + method.Name + (method.IsGenericMethod ? "``" + method.GetGenericArguments().Length : "") + ParameterIds(method));
            sb.Append('\n');
        }
        foreach (var property in type.GetProperties(Declared).Where(p => !Hidden(p) && !RecordNoise.Contains(p.Name)).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            sb.Append("- `").Append(property.GetMethod?.IsStatic == true ? "static " : "").Append(property.Name).Append("` : `").Append(Name(property.PropertyType, property)).Append('`');
            if (defaults is not null && property.GetMethod is { IsStatic: false } && property.SetMethod is { IsPublic: true })
            {
                sb.Append(" = ").Append(Value(property.GetValue(defaults)));
            }
            AppendDoc(sb, members, "P:" + Id(type) + "." + property.Name);
            sb.Append('\n');
        }
        foreach (var field in type.GetFields(Declared).Where(f => !Hidden(f)).OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            sb.Append("- `").Append(field.IsLiteral ? "const " : field.IsStatic ? "static " : "").Append(field.Name).Append("` : `").Append(Name(field.FieldType, field)).Append('`');
            if (field.IsLiteral) sb.Append(" = ").Append(Value(field.GetRawConstantValue()));
            AppendDoc(sb, members, "F:" + Id(type) + "." + field.Name);
            sb.Append('\n');
        }
        foreach (var e in type.GetEvents(Declared).OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            sb.Append("- event `").Append(e.Name).Append("` : `").Append(Name(e.EventHandlerType!)).Append('`');
            AppendDoc(sb, members, "E:" + Id(type) + "." + e.Name);
            sb.Append('\n');
        }
    }

    private static bool Hidden(MemberInfo m) => m.GetCustomAttribute<ObsoleteAttribute>() is not null || m.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is not null && m is not PropertyInfo;

    private static bool IsCopyConstructor(ConstructorInfo c) => c.GetParameters() is [var p] && p.ParameterType == c.DeclaringType;

    /// <summary>A fresh instance of an options-like type (a public parameterless constructor), whose property values are its defaults.</summary>
    private static object? Defaults(Type type)
    {
        if (type.IsAbstract || type.IsInterface || type.IsGenericTypeDefinition || type.GetConstructor(Type.EmptyTypes) is not { } ctor) return null;
        if (!type.Name.EndsWith("Options", StringComparison.Ordinal) && !type.Name.EndsWith("Settings", StringComparison.Ordinal)) return null;
        return ctor.Invoke(null);
    }

    private static string Value(object? value) => value switch
    {
        null => "`null`",
        string s => $"`\"{s}\"`",
        bool b => b ? "`true`" : "`false`",
        TimeSpan t => $"`{t}`",
        Enum e => $"`{e.GetType().Name}.{e}`",
        IFormattable f => $"`{f.ToString(null, System.Globalization.CultureInfo.InvariantCulture)}`",
        System.Collections.IEnumerable items => "`[" + string.Join(", ", items.Cast<object?>().Select(i => Value(i).Trim('`'))) + "]`",
        _ when value.GetType().GetMethod("ToString", Type.EmptyTypes)!.DeclaringType == value.GetType() => $"`{value}`",
        _ => $"`{value.GetType().Name}`",
    };

    private static void AppendDoc(StringBuilder sb, IReadOnlyDictionary<string, XElement> members, string id)
    {
        if (!members.TryGetValue(id, out var m)) return;
        var text = Text(m.Element("summary")) ?? (m.Element("inheritdoc") is not null ? null : null);
        if (text is not null) sb.Append(": ").Append(text);
    }

    private static string Kind(Type t) =>
        t.IsEnum ? "enum" : t.IsInterface ? "interface" : t.IsValueType ? "struct" : t.GetMethod("<Clone>$") is not null ? "record" : t.IsAbstract && t.IsSealed ? "static class" : "class";

    private static string Generics(MethodInfo m) => m.IsGenericMethod ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "";

    private static string Parameters(MethodBase m) => string.Join(", ", m.GetParameters().Select(p =>
        (p.GetCustomAttribute<ParamArrayAttribute>() is not null ? "params " : "") + Name(p.ParameterType, p) + " " + p.Name +
        (p.HasDefaultValue ? " = " + Literal(p.DefaultValue, p.ParameterType) : "")));

    private static string Literal(object? value, Type type) => value switch
    {
        null => type.IsValueType && Nullable.GetUnderlyingType(type) is null ? "default" : "null",
        string s => $"\"{s}\"",
        bool b => b ? "true" : "false",
        Enum e => $"{e.GetType().Name}.{e}",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => "default",
    };

    private static string Name(Type type, ICustomAttributeProvider? nullability = null)
    {
        var nullable = nullability switch
        {
            ParameterInfo p => new NullabilityInfoContext().Create(p),
            PropertyInfo p => new NullabilityInfoContext().Create(p),
            FieldInfo f => new NullabilityInfoContext().Create(f),
            _ => null,
        };
        return Name(type, nullable);
    }

    private static string Name(Type type, NullabilityInfo? n)
    {
        if (type.IsByRef) return Name(type.GetElementType()!, n);
        if (Nullable.GetUnderlyingType(type) is { } inner) return Name(inner, (NullabilityInfo?)null) + "?";
        var suffix = n is { ReadState: NullabilityState.Nullable } && !type.IsValueType ? "?" : "";
        if (type.IsArray) return Name(type.GetElementType()!, n?.ElementType) + "[]" + suffix;
        var keyword = Keyword(type);
        if (keyword is not null) return keyword + suffix;
        if (!type.IsGenericType) return type.Name + suffix;
        var args = type.GetGenericArguments();
        if (type.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true) return "(" + string.Join(", ", args.Select((a, i) => Name(a, n?.GenericTypeArguments.ElementAtOrDefault(i)))) + ")";
        var name = type.Name[..type.Name.IndexOf('`')];
        return name + "<" + string.Join(", ", args.Select((a, i) => Name(a, n?.GenericTypeArguments.ElementAtOrDefault(i)))) + ">" + suffix;
    }

    private static string? Keyword(Type t) =>
        t == typeof(string) ? "string" : t == typeof(int) ? "int" : t == typeof(long) ? "long" : t == typeof(bool) ? "bool" : t == typeof(double) ? "double" :
        t == typeof(object) ? "object" : t == typeof(void) ? "void" : t == typeof(byte) ? "byte" : null;

    /// <summary>The XML doc id of a type: namespace, dots, nested types joined with dots, generic arity kept.</summary>
    private static string Id(Type t) => (t.FullName ?? t.Name).Replace('+', '.');

    private static string ParameterIds(MethodBase m)
    {
        var ps = m.GetParameters();
        return ps.Length == 0 ? "" : "(" + string.Join(",", ps.Select(p => ParameterId(p.ParameterType))) + ")";
    }

    private static string ParameterId(Type t)
    {
        if (t.IsByRef) return ParameterId(t.GetElementType()!) + "@";
        if (t.IsArray) return ParameterId(t.GetElementType()!) + "[]";
        if (t.IsGenericMethodParameter) return "``" + t.GenericParameterPosition;
        if (t.IsGenericParameter) return "`" + t.GenericParameterPosition;
        if (!t.IsGenericType) return Id(t);
        var def = t.GetGenericTypeDefinition();
        var name = (def.FullName ?? def.Name).Replace('+', '.');
        name = name[..name.IndexOf('`')];
        return name + "{" + string.Join(",", t.GetGenericArguments().Select(ParameterId)) + "}";
    }

    /// <summary>The text of a doc element on one line: crefs by their short name, code in backticks.</summary>
    public static string? Text(XElement? e)
    {
        if (e is null) return null;
        var sb = new StringBuilder();
        foreach (var node in e.Nodes())
        {
            switch (node)
            {
                case XText text:
                    sb.Append(text.Value);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    var cref = (string?)see.Attribute("cref") ?? (string?)see.Attribute("langword") ?? (string?)see.Attribute("href") ?? "";
                    sb.Append('`').Append(ShortCref(cref)).Append('`');
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } pr:
                    sb.Append('`').Append((string?)pr.Attribute("name")).Append('`');
                    break;
                case XElement { Name.LocalName: "c" or "code" } c:
                    sb.Append('`').Append(c.Value).Append('`');
                    break;
                case XElement other:
                    sb.Append(' ').Append(Text(other)).Append(' ');
                    break;
            }
        }
        var s = Spaces().Replace(sb.ToString(), " ").Trim();
        return s.Length == 0 ? null : s;
    }

    private static string ShortCref(string cref)
    {
        var s = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        var paren = s.IndexOf('(');
        if (paren >= 0) s = s[..paren];
        s = BackTick().Replace(s, "");
        var parts = s.Split('.');
        // Type.Member for members, Type for types.
        return cref.StartsWith("T:", StringComparison.Ordinal) || parts.Length < 2 ? parts[^1] : $"{parts[^2]}.{parts[^1]}";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"`+\d+")]
    private static partial Regex BackTick();
}
