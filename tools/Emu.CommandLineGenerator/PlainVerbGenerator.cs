using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Emu.CommandLineGenerator;

/// <summary>
/// Writes at build time what Emu.Cli's PlainCommandLine needs to read a verb's command line: for each class marked
/// <c>[Verb("name")]</c>, how to make it, the defaults its <c>[Option]</c>s declare and, for each <c>[Option]</c> and
/// <c>[Value]</c> property, its long name or value index, the kind of value it takes, whether it is required and how
/// to set it. The declarations stay the attributes CommandLineParser reads; they are read here once, by the compiler,
/// instead of by reflection at every start of emu, where reading them cost 13-20 ms.
/// </summary>
/// <remarks>
/// A verb this cannot describe exactly (a list of values, a default that is not a plain constant of the property's
/// kind) is left out: PlainCommandLine then leaves its command lines to CommandLineParser, as it does every unusual
/// form.
/// </remarks>
[Generator(LanguageNames.CSharp)]
public sealed class PlainVerbGenerator : IIncrementalGenerator
{
    private const string VerbAttribute = "CommandLine.VerbAttribute";
    private const string OptionAttribute = "CommandLine.OptionAttribute";
    private const string ValueAttribute = "CommandLine.ValueAttribute";

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var verbs = context.SyntaxProvider.ForAttributeWithMetadataName(VerbAttribute,
            static (node, _) => node is ClassDeclarationSyntax,
            static (target, _) => Describe((INamedTypeSymbol)target.TargetSymbol, target.Attributes[0]));
        context.RegisterSourceOutput(verbs.Collect(), static (output, described) => output.AddSource("PlainCommandLine.Verbs.g.cs", Write(described)));
    }

    // One arm of the generated switch (verb name => its PlainVerb), or null for a verb left to CommandLineParser.
    private static string? Describe(INamedTypeSymbol verb, AttributeData verbAttribute)
    {
        if (verb.IsAbstract || verbAttribute.ConstructorArguments.Length == 0 || verbAttribute.ConstructorArguments[0].Value is not string name)
            return null;
        string type = verb.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        var members = new StringBuilder();
        var defaults = new StringBuilder();
        // One setter for the whole verb, a switch over the member's number: a delegate per member would make every
        // start resolve and allocate about 60 of them for `emu run` (docs/PERFORMANCE.md, start-up).
        var setters = new StringBuilder();
        int setterCount = 0;
        for (var declaring = verb; declaring is not null; declaring = declaring.BaseType)
        {
            foreach (var property in declaring.GetMembers().OfType<IPropertySymbol>())
            {
                if (property.IsStatic || property.DeclaredAccessibility != Accessibility.Public || property.SetMethod is null)
                    continue;
                foreach (var attribute in property.GetAttributes())
                {
                    string? attributeName = attribute.AttributeClass?.ToDisplayString();
                    if (attributeName is not (OptionAttribute or ValueAttribute))
                        continue;
                    string kind = KindOf(property.Type);
                    int setter = kind == "Other" ? -1 : setterCount++;
                    if (setter >= 0)
                        setters.Append($"case {setter}: (({type})o).{property.Name} = ({Cast(kind)})v; break; ");
                    if (attributeName == ValueAttribute)
                    {
                        if (kind is "Strings" or "Other" || attribute.ConstructorArguments.Length == 0 || attribute.ConstructorArguments[0].Value is not int index)
                            return null; // a list of values (emu test PATH...): CommandLineParser's
                        members.Append($"            new(null, {index}, PlainKind.{kind}, true, {setter}),\n");
                        continue;
                    }
                    string longName = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[attribute.ConstructorArguments.Length - 1].Value is string { Length: > 0 } given
                        ? Literal(given) : "null";
                    bool required = false;
                    foreach (var named in attribute.NamedArguments)
                    {
                        if (named.Key == "Required" && named.Value.Value is true)
                            required = true;
                        else if (named.Key == "Default" && !named.Value.IsNull)
                        {
                            if (DefaultOf(named.Value, kind) is not { } value)
                                return null;
                            defaults.Append($"(({type})o).{property.Name} = {value}; ");
                        }
                    }
                    members.Append($"            new({longName}, -1, PlainKind.{kind}, {(required ? "true" : "false")}, {setter}),\n");
                }
            }
        }
        return $"        {Literal(name)} => new(typeof({type}), static () => new {type}(), static o => {{ {defaults}}},\n"
            + $"            static (o, n, v) => {{ switch (n) {{ {setters}}} }},\n        [\n{members}        ]),\n";
    }

    // The kind of value PlainCommandLine converts a word to for a property of this type (a nullable one alike).
    private static string KindOf(ITypeSymbol type)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            type = nullable.TypeArguments[0];
        return type.SpecialType switch
        {
            SpecialType.System_String => "String",
            SpecialType.System_Int32 => "Int",
            SpecialType.System_Int64 => "Long",
            SpecialType.System_Double => "Double",
            SpecialType.System_Boolean when type.NullableAnnotation != NullableAnnotation.Annotated => "Bool",
            _ => type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Collections_Generic_IEnumerable_T } list
                && list.TypeArguments[0].SpecialType == SpecialType.System_String ? "Strings" : "Other",
        };
    }

    private static string Cast(string kind) => kind switch
    {
        "String" => "string",
        "Int" => "int",
        "Long" => "long",
        "Double" => "double",
        "Bool" => "bool",
        "Strings" => "string[]",
        _ => "object",
    };

    // A declared default as a C# constant of the property's kind (CommandLineParser converts Default = 100 on a long
    // option to the long 100), or null when it is not one: a string default of a number, a list, an enum.
    private static string? DefaultOf(TypedConstant value, string kind) => (value.Value, kind) switch
    {
        (string text, "String") => Literal(text),
        (bool flag, "Bool") => flag ? "true" : "false",
        (int or long or double, "Int" or "Long" or "Double") when value.Kind == TypedConstantKind.Primitive =>
            $"({Cast(kind)})({SymbolDisplay.FormatPrimitive(value.Value!, quoteStrings: false, useHexadecimalNumbers: false)})",
        _ => null,
    };

    private static string Literal(string text) => SymbolDisplay.FormatLiteral(text, quote: true);

    private static string Write(ImmutableArray<string?> verbs)
    {
        var source = new StringBuilder();
        source.Append("// <auto-generated/> by Emu.CommandLineGenerator (PlainVerbGenerator) from the [Verb], [Option] and [Value]\n");
        source.Append("// declarations of the verbs' option classes.\n");
        source.Append("#nullable enable\n\nnamespace Emu.Cli;\n\ninternal static partial class PlainCommandLine\n{\n");
        source.Append("    private static partial PlainVerb? Declared(string name) => name switch\n    {\n");
        foreach (string? verb in verbs.Where(v => v is not null).OrderBy(v => v, System.StringComparer.Ordinal))
            source.Append(verb);
        source.Append("        _ => null,\n    };\n}\n");
        return source.ToString();
    }
}
