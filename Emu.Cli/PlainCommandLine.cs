using System.Globalization;
using System.Reflection;
using CommandLine;

namespace Emu.Cli;

/// <summary>
/// Reads the everyday command line, <c>emu VERB VALUE... --option value --switch...</c>, straight from the same
/// [Verb]/[Option]/[Value] declarations CommandLineParser reads, and declines (null) anything else: help, the
/// version, errors, short or <c>--name=value</c> options, values that start with '-', a scalar option given twice.
/// CommandLineParser then parses the line as before and stays the only judge of errors, help and completion.
/// Why: its first parse costs about 30 ms of CPU in a start-up of about 120 (generic LINQ code that ReadyToRun cannot
/// precompile is JIT-compiled, every verb's specification built); this reads one verb's declarations in a few.
/// Tests check that whatever it reads, CommandLineParser reads the same.
/// </summary>
internal static class PlainCommandLine
{
    public static object? TryRead(IReadOnlyList<string> args, IReadOnlyList<Type> verbs)
    {
        if (VerbOf(args, verbs) is not { } verb)
            return null;
        var options = new Dictionary<string, PropertyInfo>(StringComparer.Ordinal);
        var values = new Dictionary<int, PropertyInfo>(); // by [Value] index
        var defaults = new List<(PropertyInfo Property, object Value)>(); // [Option(..., Default = x)]
        var required = new List<PropertyInfo>(); // [Option(..., Required = true)] and every [Value]
        foreach (var property in verb.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            foreach (var attribute in property.GetCustomAttributesData())
            {
                if (attribute.AttributeType == typeof(OptionAttribute))
                {
                    if (LongName(attribute) is { } name)
                        options[name] = property;
                    foreach (var named in attribute.NamedArguments)
                        if (named.MemberName == nameof(OptionAttribute.Default) && named.TypedValue.Value is { } value)
                            defaults.Add((property, value));
                        else if (named.MemberName == nameof(OptionAttribute.Required) && named.TypedValue.Value is true)
                            required.Add(property);
                }
                else if (attribute.AttributeType == typeof(ValueAttribute))
                {
                    if (!IsScalar(property.PropertyType))
                        return null; // a list of values (emu test PATH...): CommandLineParser's
                    values.Add((int)attribute.ConstructorArguments[0].Value!, property);
                    required.Add(property);
                }
            }
        }

        // A declared default is what CommandLineParser sets when the option is not given, whatever the initialiser says.
        object result = Activator.CreateInstance(verb)!;
        foreach (var (property, value) in defaults)
        {
            // As CommandLineParser does: Default = 100 on a long option is the long 100.
            Type type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            property.SetValue(result, value is IConvertible ? System.Convert.ChangeType(value, type, CultureInfo.InvariantCulture) : value);
        }
        var given = new HashSet<PropertyInfo>();
        int nextValue = 0;
        for (int i = 1; i < args.Count; i++)
        {
            string arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (!options.TryGetValue(arg[2..], out var option))
                    return null;
                Type type = option.PropertyType;
                bool many = type == typeof(IEnumerable<string>);
                if (!given.Add(option) && !many)
                    return null;
                if (type == typeof(bool))
                {
                    option.SetValue(result, true);
                    continue;
                }
                // A list option takes every value up to the next option: read here only when it has one.
                if (i + 1 >= args.Count || args[i + 1].StartsWith('-')
                    || (many && i + 2 < args.Count && !args[i + 2].StartsWith("--", StringComparison.Ordinal)))
                    return null;
                string text = args[++i];
                if (many)
                    option.SetValue(result, ((IEnumerable<string>)option.GetValue(result)!).Append(text).ToArray());
                else if (Convert(text, type) is { } value)
                    option.SetValue(result, value);
                else
                    return null;
            }
            else if (!arg.StartsWith('-') && values.TryGetValue(nextValue++, out var property) && Convert(arg, property.PropertyType) is { } value)
            {
                property.SetValue(result, value);
                given.Add(property);
            }
            else
                return null;
        }
        // Every value is required where emu has one: a missing value or required option is CommandLineParser's error.
        return required.All(given.Contains) ? result : null;
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
            var option = verb.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .FirstOrDefault(p => p.GetCustomAttributesData().Any(a => LongName(a) == name));
            if (option is not null && option.PropertyType != typeof(bool))
                return name;
        }
        return null;
    }

    private static Type? VerbOf(IReadOnlyList<string> args, IReadOnlyList<Type> verbs) =>
        args.Count == 0 ? null : verbs.FirstOrDefault(v => VerbName(v) == args[0]);

    // [Option("long")] or [Option('x', "long")]: the long name is the last string argument; null for other attributes.
    private static string? LongName(CustomAttributeData attribute) =>
        attribute.AttributeType == typeof(OptionAttribute) && attribute.ConstructorArguments is { Count: > 0 } arguments
            && arguments[^1].Value is string { Length: > 0 } name ? name : null;

    public static string VerbName(Type verb) => (string)verb.GetCustomAttributesData()
        .First(a => a.AttributeType == typeof(VerbAttribute)).ConstructorArguments[0].Value!;

    private static bool IsScalar(Type type) => Convert("0", type) is not null;

    // As CommandLineParser converts (invariant culture, the type's usual number styles); null: not read here.
    private static object? Convert(string text, Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        var culture = CultureInfo.InvariantCulture;
        return type == typeof(string) ? text
            : type == typeof(int) ? int.TryParse(text, NumberStyles.Integer, culture, out int i) ? i : null
            : type == typeof(long) ? long.TryParse(text, NumberStyles.Integer, culture, out long l) ? l : null
            : type == typeof(double) ? double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, culture, out double d) ? d : null
            : null;
    }
}
