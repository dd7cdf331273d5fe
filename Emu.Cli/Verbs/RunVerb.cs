using CommandLine;
using Emu.Hypervisor.Loader;

namespace Emu.Cli.Verbs;

[Verb("run", HelpText = "Load a flat binary (a boot sector or test program) and run it.")]
public sealed class RunOptions : MachineOptions
{
    [Value(0, MetaName = "PROGRAM", Required = true, HelpText = "The flat binary to run.")]
    public string Program { get; set; } = "";

    [Option("load-address", Default = "0000:7C00", HelpText = "SEG:OFF to load the program at and start it from.")]
    public string LoadAddress { get; set; } = "0000:7C00";

    [Option("no-firmware", HelpText = "Start the program on a bare machine (no BIOS POST).")]
    public bool NoFirmware { get; set; }

    internal override bool UseFirmware => !NoFirmware;
}

public static class RunVerb
{
    public static int Run(RunOptions options)
    {
        if (!SegmentedAddress.TryParse(options.LoadAddress, out var at))
            throw new UserError($"--load-address '{options.LoadAddress}' is not SEG:OFF in hex (e.g. 0000:7C00)", ExitCodes.Usage);
        byte[] program = InputFiles.ReadAll(options.Program, "program");

        using var session = MachineSession.Create(options);
        session.LoadProgram(program, at, options.Program);
        return session.RunToEnd();
    }
}
