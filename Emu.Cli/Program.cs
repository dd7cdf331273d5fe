using CommandLine;
using Emu.Cli.Verbs;

namespace Emu.Cli;

/// <summary>The <c>emu</c> command: parses the verb and its options, runs it, maps failures to exit codes.</summary>
public static class Program
{
    private static readonly Type[] Verbs = [typeof(RunOptions), typeof(BootOptions), typeof(TestOptions), typeof(DisasmOptions), typeof(ConformanceOptions), typeof(CpusOptions), typeof(BenchOptions), typeof(ReportOptions), typeof(DeviceServerOptions), typeof(CompletionOptions)];

    public static int Main(string[] args)
    {
        // Everything emu prints goes through one guarded stream: a full device or a closed descriptor ends the
        // command with one line (GuardedOutput), not a .NET exception.
        Console.SetOut(TextWriter.Synchronized(new StreamWriter(GuardedOutput.StandardOutput, new System.Text.UTF8Encoding(false)) { AutoFlush = true }));
        var parser = new Parser(settings =>
        {
            settings.HelpWriter = null; // usage errors are reported as one line below, help text on request
            settings.CaseInsensitiveEnumValues = true;
            settings.AllowMultiInstance = true; // --disk A --disk B
        });
        // The parser knows --help only straight after the verb; `emu bench cpu --help` means the same.
        if (args.Length > 2 && Array.IndexOf(args, "--help", 2) > 0)
            args = [args[0], "--help"];
        var result = parser.ParseArguments(args, Verbs);
        try
        {
            return result.MapResult(
                (RunOptions o) => RunVerb.Run(o),
                (BootOptions o) => BootVerb.Run(o),
                (TestOptions o) => TestVerb.Run(o, Console.Out),
                (DisasmOptions o) => DisasmVerb.Run(o, Console.Out),
                (ConformanceOptions o) => ConformanceVerb.Run(o, Console.Out),
                (CpusOptions o) => CpusVerb.Run(o, Console.Out),
                (BenchOptions o) => BenchIoVerb.Run(o, Console.Out),
                (ReportOptions o) => ReportVerb.Run(o, Console.Out),
                (DeviceServerOptions o) => DeviceServerVerb.Run(o, Console.Out),
                (CompletionOptions o) => CompletionVerb.Run(o, Verbs, Console.Out),
                errors => Help.TryPrint(args, result, errors, Verbs, Console.Out) ? ExitCodes.Success : Usage.Report(errors));
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
}
