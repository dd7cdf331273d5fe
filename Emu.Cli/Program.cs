using CommandLine;
using Emu.Cli.Verbs;
using Emu.Hypervisor;

namespace Emu.Cli;

/// <summary>The <c>emu</c> command: parses the verb and its options, runs it, maps failures to exit codes.</summary>
public static class Program
{
    internal static readonly Type[] Verbs = [typeof(RunOptions), typeof(BootOptions), typeof(TestOptions), typeof(DisasmOptions), typeof(ConformanceOptions), typeof(CpusOptions), typeof(BenchOptions), typeof(ReportOptions), typeof(DeviceServerOptions), typeof(CompletionOptions)];

    public static int Main(string[] args)
    {
        // A command that runs guests starts its machine's first-time work on the other core now, while this thread
        // starts the console and reads the command line (MachineWarmUp).
        if (args is ["run" or "boot" or "test", ..])
            MachineWarmUp.Start();
        // Everything emu prints goes through one guarded stream: a full device or a closed descriptor ends the
        // command with one line (GuardedOutput), not a .NET exception.
        Console.SetOut(TextWriter.Synchronized(new StreamWriter(GuardedOutput.StandardOutput, new System.Text.UTF8Encoding(false)) { AutoFlush = true }));
        try
        {
            return PlainCommandLine.TryRead(args, Verbs) is { } options ? Run(options) : ParseAndRun(args);
        }
        catch (UserError e)
        {
            try
            {
                Console.Error.WriteLine($"emu: {e.Message}");
            }
            catch (IOException)
            {
                // stderr is gone too: the status is all that is left to say it
            }
            return e.ExitCode;
        }
    }

    // CommandLineParser: every command line the plain reader declines, with help, the version and usage errors.
    private static int ParseAndRun(string[] args)
    {
        if (PlainCommandLine.OptionWithoutValue(args, Verbs) is { } name)
            return Usage.MissingValue(name);
        var parser = NewParser();
        // The parser knows --help only straight after the verb; `emu bench cpu --help` means the same.
        if (args.Length > 2 && Array.IndexOf(args, "--help", 2) > 0)
            args = [args[0], "--help"];
        var result = parser.ParseArguments(args, Verbs);
        return result.MapResult(Run, errors => Help.TryPrint(args, result, errors, Verbs, Console.Out) ? ExitCodes.Success : Usage.Report(errors));
    }

    internal static Parser NewParser() => new(settings =>
    {
        settings.HelpWriter = null; // usage errors are reported as one line, help text on request
        settings.CaseInsensitiveEnumValues = true;
        settings.AllowMultiInstance = true; // --disk A --disk B
    });

    private static int Run(object options) => options switch
    {
        RunOptions o => RunVerb.Run(o),
        BootOptions o => BootVerb.Run(o),
        TestOptions o => TestVerb.Run(o, Console.Out),
        DisasmOptions o => DisasmVerb.Run(o, Console.Out),
        ConformanceOptions o => ConformanceVerb.Run(o, Console.Out),
        CpusOptions o => CpusVerb.Run(o, Console.Out),
        BenchOptions o => BenchIoVerb.Run(o, Console.Out),
        ReportOptions o => ReportVerb.Run(o, Console.Out),
        DeviceServerOptions o => DeviceServerVerb.Run(o, Console.Out),
        CompletionOptions o => CompletionVerb.Run(o, Verbs, Console.Out),
        _ => throw new InvalidOperationException($"no command runs {options.GetType().Name}"),
    };
}
