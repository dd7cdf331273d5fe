using System.Globalization;

namespace Emu.Cli;

/// <summary>
/// Reads the everyday command line, <c>emu VERB VALUE... --option value --switch...</c>, from the same
/// [Verb]/[Option]/[Value] declarations CommandLineParser reads, and declines (null) anything else: help, the
/// version, errors, short or <c>--name=value</c> options, values that start with '-', a scalar option given twice.
/// CommandLineParser then parses the line as before and stays the only judge of errors, help and completion.
/// Why: its first parse costs about 30 ms of CPU in a start-up of about 120 (generic LINQ code that ReadyToRun cannot
/// precompile is JIT-compiled, every verb's specification built), and even reading the declarations by reflection
/// cost 13-20 ms; the build reads them instead (Emu.CommandLineGenerator writes <see cref="Declared"/>).
/// Tests check that whatever it reads, CommandLineParser reads the same.
/// </summary>
internal static partial class PlainCommandLine
{
    /// <summary>The verb <paramref name="name"/> as its declarations describe it, or null: no such verb, or one whose
    /// command lines are all CommandLineParser's (a list of values).</summary>
    private static partial PlainVerb? Declared(string name);

    public static object? TryRead(IReadOnlyList<string> args, IReadOnlyList<Type> verbs)
    {
        if (VerbOf(args, verbs) is not { } verb)
            return null;
        // A declared default is what CommandLineParser sets when the option is not given, whatever the initialiser says.
        object result = verb.Create();
        verb.SetDefaults(result);
        var given = new HashSet<PlainMember>();
        Dictionary<PlainMember, List<string>>? lists = null;
        int nextValue = 0;
        for (int i = 1; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (verb.Option(arg[2..]) is not { } option)
                    return null;
                bool many = option.Kind == PlainKind.Strings;
                if (!given.Add(option) && !many)
                    return null;
                if (option.Kind == PlainKind.Bool)
                {
                    verb.Assign(result, option, true);
                    continue;
                }
                // A list option takes every value up to the next option: read here only when it has one.
                if (i + 1 >= args.Count || args[i + 1].StartsWith('-')
                    || (many && i + 2 < args.Count && !args[i + 2].StartsWith("--", StringComparison.Ordinal)))
                    return null;
                string text = args[++i];
                if (many)
                {
                    lists ??= [];
                    if (!lists.TryGetValue(option, out var values))
                        lists.Add(option, values = []);
                    values.Add(text);
                }
                else if (Convert(text, option.Kind) is { } value)
                    verb.Assign(result, option, value);
                else
                    return null;
            }
            else if (!arg.StartsWith('-') && verb.Value(nextValue++) is { } member && Convert(arg, member.Kind) is { } value)
            {
                verb.Assign(result, member, value);
                given.Add(member);
            }
            else
                return null;
        }
        foreach (var member in verb.Members)
        {
            // Every value is required where emu has one: a missing value or required option is CommandLineParser's error.
            if (member.Required && !given.Contains(member))
                return null;
        }
        if (lists is not null)
        {
            foreach (var (option, values) in lists)
                verb.Assign(result, option, values.ToArray());
        }
        return result;
    }

    /// <summary>
    /// The long name of an option that takes a value but is given last or straight before another --option, or null.
    /// CommandLineParser reads 'emu run p.bin --memory' as if --memory were not there, so the run would go on with the
    /// default a user did not mean.
    /// </summary>
    public static string? OptionWithoutValue(IReadOnlyList<string> args, IReadOnlyList<Type> verbs)
    {
        if (VerbOf(args, verbs) is not { } verb)
            return null;
        for (int i = 1; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)))
                continue;
            string name = args[i][2..];
            if (verb.Option(name) is { Kind: not PlainKind.Bool })
                return name;
        }
        return null;
    }

    private static PlainVerb? VerbOf(IReadOnlyList<string> args, IReadOnlyList<Type> verbs) =>
        args.Count > 0 && Declared(args[0]) is { } verb && Contains(verbs, verb.Type) ? verb : null;

    private static bool Contains(IReadOnlyList<Type> verbs, Type verb)
    {
        for (int i = 0; i < verbs.Count; i++)
        {
            if (verbs[i] == verb)
                return true;
        }
        return false;
    }

    // As CommandLineParser converts (invariant culture, the type's usual number styles); null: not read here.
    private static object? Convert(string text, PlainKind kind)
    {
        var culture = CultureInfo.InvariantCulture;
        return kind switch
        {
            PlainKind.String => text,
            PlainKind.Int => int.TryParse(text, NumberStyles.Integer, culture, out int i) ? i : null,
            PlainKind.Long => long.TryParse(text, NumberStyles.Integer, culture, out long l) ? l : null,
            PlainKind.Double => double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, culture, out double d) ? d : null,
            _ => null,
        };
    }
}

/// <summary>The kind of value an option or value takes (a nullable property alike); Other: not read here.</summary>
internal enum PlainKind { String, Int, Long, Double, Bool, Strings, Other }

/// <summary>One [Option] (<see cref="LongName"/>, null when it has only a short name) or [Value]
/// (<see cref="ValueIndex"/>, -1 for an option) of a verb; <see cref="PlainVerb.Assign"/> stores a converted value
/// (never for an <see cref="PlainKind.Other"/> kind).</summary>
internal sealed class PlainMember(string? longName, int valueIndex, PlainKind kind, bool required, int setter)
{
    public string? LongName { get; } = longName;
    public int ValueIndex { get; } = valueIndex;
    public PlainKind Kind { get; } = kind;
    public bool Required { get; } = required;
    /// <summary>The member's number in its verb's setter; -1 for a kind the plain reader never converts.</summary>
    public int Setter { get; } = setter;
}

/// <summary>A verb's options class: how to make it, the defaults its options declare, its members and one setter
/// for all of them (by <see cref="PlainMember.Setter"/>).</summary>
internal sealed class PlainVerb(Type type, Func<object> create, Action<object> setDefaults, Action<object, int, object> set, PlainMember[] members)
{
    public Type Type { get; } = type;
    public Func<object> Create { get; } = create;
    public Action<object> SetDefaults { get; } = setDefaults;
    public PlainMember[] Members { get; } = members;

    /// <summary>Sets <paramref name="member"/> of <paramref name="options"/> to <paramref name="value"/>, already
    /// converted to the member's kind.</summary>
    public void Assign(object options, PlainMember member, object value) => set(options, member.Setter, value);

    public PlainMember? Option(string longName)
    {
        foreach (var member in Members)
        {
            if (member.ValueIndex < 0 && member.LongName == longName)
                return member;
        }
        return null;
    }

    public PlainMember? Value(int index)
    {
        foreach (var member in Members)
        {
            if (member.ValueIndex == index)
                return member;
        }
        return null;
    }
}
