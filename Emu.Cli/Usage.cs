using CommandLine;

namespace Emu.Cli;

/// <summary>Turns CommandLineParser's errors into one clear line (help and --version are <see cref="Help"/>'s).</summary>
internal static class Usage
{
    public static int Report(IEnumerable<Error> errors) => Report(Describe(errors.First()));

    /// <summary>An option given last (or before another option) with no value: CommandLineParser lets it pass.</summary>
    public static int MissingValue(string longName) => Report(NeedsValue(longName));

    private static int Report(string words)
    {
        Console.Error.WriteLine($"emu: {words} (try 'emu help')");
        return ExitCodes.Usage;
    }

    private static string NeedsValue(string longName) => $"option '--{longName}' needs a value";

    private static string Describe(Error error) => error switch
    {
        BadVerbSelectedError e => $"unknown command '{e.Token}'",
        NoVerbSelectedError => "no command given",
        UnknownOptionError e => $"unknown option '{e.Token}'",
        MissingRequiredOptionError e => e.NameInfo.NameText.Length > 0 ? $"missing required option '--{e.NameInfo.LongName}'" : "missing a required argument",
        MissingValueOptionError e => NeedsValue(e.NameInfo.LongName),
        BadFormatConversionError e => $"bad value for '--{e.NameInfo.LongName}'",
        SequenceOutOfRangeError e => $"wrong number of values for '{e.NameInfo.NameText}'",
        RepeatedOptionError e => $"option '--{e.NameInfo.LongName}' given more than once",
        _ => $"cannot parse the command line ({error.Tag})",
    };
}
