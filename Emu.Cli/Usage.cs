using CommandLine;
using CommandLine.Text;

namespace Emu.Cli;

/// <summary>Turns CommandLineParser's errors into help text (when asked for) or one clear line.</summary>
internal static class Usage
{
    public static int Report<T>(ParserResult<T> result, IEnumerable<Error> errors)
    {
        var list = errors.ToList();
        if (list.Any(e => e.Tag is ErrorType.HelpRequestedError or ErrorType.HelpVerbRequestedError or ErrorType.VersionRequestedError))
        {
            var help = HelpText.AutoBuild(result, h =>
            {
                h.AdditionalNewLineAfterOption = false;
                h.Heading = "emu: an x86 real-mode machine emulator with a small hypervisor";
                h.Copyright = "";
                return h;
            }, e => e, verbsIndex: true);
            Console.Out.WriteLine(help);
            return ExitCodes.Success;
        }
        Console.Error.WriteLine($"emu: {Describe(list.First())} (try 'emu help')");
        return ExitCodes.Usage;
    }

    private static string Describe(Error error) => error switch
    {
        BadVerbSelectedError e => $"unknown command '{e.Token}'",
        NoVerbSelectedError => "no command given",
        UnknownOptionError e => $"unknown option '{e.Token}'",
        MissingRequiredOptionError e => e.NameInfo.NameText.Length > 0 ? $"missing required option '--{e.NameInfo.LongName}'" : "missing a required argument",
        MissingValueOptionError e => $"option '--{e.NameInfo.LongName}' needs a value",
        BadFormatConversionError e => $"bad value for '--{e.NameInfo.LongName}'",
        SequenceOutOfRangeError e => $"wrong number of values for '{e.NameInfo.NameText}'",
        RepeatedOptionError e => $"option '--{e.NameInfo.LongName}' given more than once",
        _ => $"cannot parse the command line ({error.Tag})",
    };
}
