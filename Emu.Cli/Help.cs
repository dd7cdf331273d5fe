using System.Reflection;
using CommandLine;
using CommandLine.Text;

namespace Emu.Cli;

/// <summary>
/// What emu prints when asked about itself: `emu --help` and `emu help` (the commands), `emu VERB --help`
/// and `emu help VERB` (that command's options and examples), `emu --version` (the version alone).
/// </summary>
internal static class Help
{
    private const string Heading = "emu: an x86 real-mode machine emulator with a small hypervisor";

    // A few commands per verb that show its everyday use (FILE names other than shipped ones are the user's).
    private static readonly Dictionary<string, string[]> Examples = new()
    {
        ["run"] = ["emu run guest-images/demos/hello.bin", "emu run guest-images/tests/ata/pio.bin --disk disk.img --stats --trace t.txt"],
        ["boot"] = ["emu boot guest-images/demos/bootdemo.bin --console screen", "emu boot guest-images/os/os.img --disk data.img --debugcon stdio"],
        ["test"] = ["emu test guest-images/tests", "emu test guest-images/tests/bios-video.asm"],
        ["disasm"] = ["emu disasm guest-images/demos/hello.bin", "emu disasm guest-images/firmware/bios.bin --origin F000:0000"],
        ["conformance"] = ["emu conformance ../shared/conformance/8086 --cpu 8086", "emu conformance ../shared/conformance/8086 --only 00,01 --failures 5"],
        ["cpus"] = ["emu cpus"],
        ["bench"] = ["emu bench cpu", "emu bench cpu my-loop.bin --runs 3", "emu bench io --paths all --chart io.svg",
            "emu bench io --guests 4 --models emulated,paravirtual,assigned --chart shared.svg"],
        ["device-server"] = ["emu device-server --socket /tmp/ata.sock --disk disk.img", "emu run guest-images/tests/ata/pio.bin --disk disk.img --device-process /tmp/ata.sock",
            "emu device-server --socket /tmp/vblk.sock --device virtio-blk --guests 4 --disk shared.img   # 4 VMMs, a quarter of the image each"],
        ["completion"] = ["emu completion bash > /etc/bash_completion.d/emu", "source <(emu completion bash)"],
    };

    /// <summary>The version alone, as `--version` prints it.</summary>
    public static string Version =>
        typeof(Help).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>Prints help or the version if that is what <paramref name="errors"/> ask for; false when they are real errors.</summary>
    public static bool TryPrint<T>(string[] args, ParserResult<T> result, IEnumerable<Error> errors, Type[] verbs, TextWriter output)
    {
        foreach (var error in errors)
        {
            switch (error)
            {
                case VersionRequestedError:
                    output.WriteLine($"emu {Version}");
                    return true;
                case HelpVerbRequestedError { Matched: false } when args.Length > 1:
                    throw new UserError($"unknown command '{args[1]}' (try 'emu help')", ExitCodes.Usage);
                case HelpVerbRequestedError { Matched: true } verbHelp:
                    output.WriteLine(ForVerb(verbHelp.Type, verbs));
                    return true;
                case HelpVerbRequestedError or HelpRequestedError:
                    output.WriteLine(Build(result, verbsIndex: result.TypeInfo.Current == typeof(NullInstance) || error is HelpVerbRequestedError));
                    return true;
            }
        }
        return false;
    }

    // `emu help VERB`: the parser reports only which verb; parsing "VERB --help" gives that verb's own help.
    private static string ForVerb(Type verb, Type[] verbs)
    {
        var parser = new Parser(settings => settings.HelpWriter = null);
        var result = parser.ParseArguments([verb.GetCustomAttribute<VerbAttribute>()!.Name, "--help"], verbs);
        return Build(result, verbsIndex: false);
    }

    private static string Build<T>(ParserResult<T> result, bool verbsIndex) =>
        HelpText.AutoBuild(result, h =>
        {
            h.AdditionalNewLineAfterOption = false;
            h.AddDashesToOption = true;
            h.Heading = Heading;
            h.Copyright = "";
            h.MaximumDisplayWidth = 100;
            if (!verbsIndex && result.TypeInfo.Current.GetCustomAttribute<VerbAttribute>() is { } verb && Examples.TryGetValue(verb.Name, out var examples))
                h.AddPostOptionsLines(["Examples:", .. examples.Select(e => "  " + e)]);
            return h;
        }, e => e, verbsIndex);
}
